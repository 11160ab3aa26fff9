"""Written-out forms of names: found beside a name on the page, compared with the way a
paper's title spells the same letters out."""

from __future__ import annotations

import pytest

from pipeline.link.expansions import (
    name_letters,
    spelled_out_otherwise,
    spells,
    title_expansion,
    written_out_beside,
)
from pipeline.link.policy import LinkPolicy

POLICY = LinkPolicy()


def _beside(text: str, name: str) -> str | None:
    start = text.index(name)
    found = written_out_beside(text, start, start + len(name), POLICY)
    if found is not None:
        assert text[found.start : found.end].replace("-", " ") == found.form
    return None if found is None else found.form


@pytest.mark.parametrize(
    ("text", "name", "form"),
    [
        (
            "5. **CTRL (Conditional Transformer Language Model)**:",
            "CTRL",
            "Conditional Transformer Language Model",
        ),
        (
            "GPT-3 (Generative Pre-trained Transformer 3) ist",
            "GPT-3",
            "Generative Pre trained Transformer 3",
        ),
        ("dan task adaptive pretraining (TAPT) serta", "TAPT", "task adaptive pretraining"),
        ("图网络层通过Graph Attention Network(GAN)进行特征提取", "GAN", "Graph Attention Network"),
        ("ein Conditional GAN (cGAN) erzeugt", "cGAN", "Conditional GAN"),
        ("Long-Short-Term-Memory (LSTM) Netze", "LSTM", "Long Short Term Memory"),
    ],
)
def test_written_out_form_beside_a_name(text: str, name: str, form: str) -> None:
    assert _beside(text, name) == form


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ('model = YOLO("yolov11s.pt")', "YOLO"),  # a call's argument
        ("快速的R-CNN（Fast R-CNN）", "R-CNN"),  # a longer name holding the name itself
        (
            "der nichtparametrische Speicher der dichte Vektorindex (DPR) wird",
            "DPR",
        ),  # too many words
        ("RAG (siehe unten) ist", "RAG"),  # words that do not spell it
        ("ein Modell (T5) ist", "T5"),
        ("X (ab) ist", "X"),  # one letter says nothing
    ],
)
def test_no_written_out_form(text: str, name: str) -> None:
    assert _beside(text, name) is None


def test_spells_needs_the_first_letter_at_a_word_start() -> None:
    assert spells("tapt", "task adaptive pretraining")
    assert not spells("tapt", "adaptive pretraining")
    assert not spells("rcnn", "Fast R CNN")


def test_title_expansion_takes_one_word_per_letter() -> None:
    title = "TAPT: Test-Time Adversarial Prompt Tuning for Robust Inference"
    assert title_expansion(name_letters("TAPT"), title) == [
        "Time",
        "Adversarial",
        "Prompt",
        "Tuning",
    ]
    assert (
        title_expansion(name_letters("RWKV"), "RWKV: Reinventing RNNs for the Transformer Era")
        is None
    )


@pytest.mark.parametrize(
    ("name", "written_out", "title", "otherwise"),
    [
        (
            "CTRL",
            "Conditional Transformer Language Model",
            "Control-Tutored Reinforcement Learning",
            True,
        ),
        ("GAN", "Graph Attention Network", "Generative Adversarial Networks", True),
        ("TAPT", "task adaptive pretraining", "TAPT: Test-Time Adversarial Prompt Tuning", True),
        ("GAN", "Generative Adversarial Network", "Generative Adversarial Networks", False),
        ("cGAN", "Conditional GAN", "Conditional Generative Adversarial Nets", False),
        # another language's spelling of the same words
        (
            "IAF",
            "Inverser Autoregressiver Flow",
            "Improving Variational Inference with Inverse Autoregressive Flow",
            False,
        ),
        # a title that does not spell the name out says nothing
        (
            "GPT-3",
            "Generative Pre trained Transformer 3",
            "Language Models are Few-Shot Learners",
            False,
        ),
    ],
)
def test_spelled_out_otherwise(name: str, written_out: str, title: str, otherwise: bool) -> None:
    assert spelled_out_otherwise(name, written_out, title, POLICY) is otherwise
