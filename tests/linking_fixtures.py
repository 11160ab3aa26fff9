"""Small catalogs and term tables shared by the linking tests, and matchers built on them."""

from __future__ import annotations

from pathlib import Path

from pipeline.catalog import load_catalog
from pipeline.link.matcher import Matcher
from pipeline.link.policy import LinkPolicy
from pipeline.link.terms import english_stems, load_term_tables

HEADER = "paper_id,arxiv_id,title,year,authors,aliases\n"
CATALOG_ROWS = [
    "arxiv:2303.15772,2303.15772,Ecosystem Graphs: The Social Footprint of Foundation Models,"
    "2023,Rishi Bommasani; et al.,",
    "arxiv:2303.01469,2303.01469,Consistency Models,2023,Yang Song; et al.,",
    "arxiv:2304.09848,2304.09848,Evaluating Verifiability in Generative Search Engines,2023,"
    "Nelson F. Liu; et al.,",
    "arxiv:2206.14858,2206.14858,Solving Quantitative Reasoning Problems with Language Models,"
    "2022,Aitor Lewkowycz; et al.,Minerva",
    "arxiv:1811.06965,1811.06965,GPipe: Efficient Training of Giant Neural Networks using "
    "Pipeline Parallelism,2018,Yanping Huang; et al.,GPipe",
    "arxiv:1608.06993,1608.06993,Densely Connected Convolutional Networks,2016,Gao Huang; et al.,"
    "DenseNet",
    "arxiv:1709.01507,1709.01507,Squeeze-and-Excitation Networks,2017,Jie Hu; et al.,SENet",
    "arxiv:2005.14165,2005.14165,Language Models are Few-Shot Learners,2020,Tom B. Brown; et al.,"
    "GPT-3",
]
TERMS = {
    "ms.csv": "term,english\ngraf,graph\nekosistem,ecosystem\njejak,footprint\nsosial,social\n"
    "model,model\nasas,foundation\nkonsistensi,consistency\n",
    "zh.csv": "term,english\n生成式,generative\n搜索引擎,search engines\n评估,evaluation\n"
    "人工评估,human evaluation\n语言模型,language models\n并行,parallelism\n",
    "de.csv": "term,english\nsprachmodell,language model\nlerner,learners\n",
}


def catalog_matcher(folder: Path) -> Matcher:
    """A matcher of ``CATALOG_ROWS`` and the ``TERMS`` tables, written under ``folder`` (the
    ``matcher`` fixture of the modules that use it)."""
    catalog_dir = folder / "catalog"
    catalog_dir.mkdir()
    (catalog_dir / "papers.csv").write_text(HEADER + "\n".join(CATALOG_ROWS) + "\n", "utf-8")
    terms_dir = folder / "terms"
    terms_dir.mkdir()
    for name, text in TERMS.items():
        (terms_dir / name).write_text(text, "utf-8")
    return Matcher(load_catalog(catalog_dir), LinkPolicy(), load_term_tables(terms_dir))


KEYWORD_HEADER = "paper_id,arxiv_id,title,year,authors,aliases,keywords\n"
KEYWORD_ROWS = [
    "arxiv:2304.15004,2304.15004,Are Emergent Abilities of Large Language Models a Mirage?,2023,"
    "Rylan Schaeffer,,InstructGPT; GPT-3; BIG-Bench; emergent abilities; metric choice; "
    "nonlinear metrics; smooth predictable scaling; vision tasks",
    "arxiv:2206.07682,2206.07682,Emergent Abilities of Large Language Models,2022,Jason Wei,,"
    "emergent abilities; model scale; unpredictable phenomenon; smaller models",
    "arxiv:2304.09848,2304.09848,Evaluating Verifiability in Generative Search Engines,2023,"
    "Nelson F. Liu,,Bing Chat; NeevaAI; perplexity.ai; YouChat; citation recall; "
    "citation precision; human evaluation audit",
    "arxiv:1609.03126,1609.03126,Energy-based Generative Adversarial Network,2016,Junbo Zhao,"
    "EBGAN,EBGAN; energy function discriminator; auto-encoder discriminator; "
    "reconstruction error",
    "arxiv:1811.06965,1811.06965,GPipe: Efficient Training of Giant Neural Networks using "
    "Pipeline Parallelism,2018,Yanping Huang,GPipe,GPipe; model parallelism; batch-splitting",
    "arxiv:1811.09620,1811.09620,TimbreTron: A WaveNet Pipeline for Musical Timbre Transfer,2018,"
    "Sicong Huang,,",
    "arxiv:1904.00001,1904.00001,Parallel Corpora for Speech,2019,Wei Huang,,",
    "arxiv:1905.09157,1905.09157,Team Description Paper for RoboCup 2019,2019,Ning Huang,,",
]
KEYWORD_TERMS = (
    "term,english\n涌现能力,emergent abilities\n大型语言模型,large language models\n"
    "指标,metrics\n非线性,nonlinear\n平滑,smooth\n可预测,predictable\n模型,model\n"
    "能量,energy\n生成,generative\n对抗,adversarial\n网络,network\n电网,power grid\n"
    "负荷,load\n架構,architecture\n局限,limitations\n预测,forecasting\n并行,parallelism\n"
    "生成式,generative\n搜索引擎,search engines\n"
)


def _keyword_matcher(folder: Path, rows: list[str]) -> Matcher:
    catalog_dir = folder / "catalog"
    catalog_dir.mkdir()
    (catalog_dir / "papers.csv").write_text(KEYWORD_HEADER + "\n".join(rows) + "\n", "utf-8")
    terms_dir = folder / "terms"
    terms_dir.mkdir()
    (terms_dir / "zh.csv").write_text(KEYWORD_TERMS, "utf-8")
    return Matcher(load_catalog(catalog_dir), LinkPolicy(), load_term_tables(terms_dir))


def _queries(titles: list[str]) -> list[list[frozenset[str]]]:
    """Each title's stems as a passage, and its first half with an unknown word."""
    queries = []
    for title in titles:
        stems = [frozenset([s]) for s in english_stems(title)]
        queries += [stems, [*stems[: len(stems) // 2 + 1], frozenset(["zzunknown"])]]
    return queries
