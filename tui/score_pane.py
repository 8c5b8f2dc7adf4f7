"""The Score tab: the sentence is scored as it is typed, each word tinted by how much it moved the score.

Scoring is :func:`hangul_rnn.scoring.explain` (one batched forward pass over every prefix) in a thread worker,
debounced so that fast typing scores only the text the user paused on.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Input, Select, Static

from tui.bundles import bundle_options

DEBOUNCE_S = 0.25


def tinted_words(words: list[str], deltas: list[float]) -> Text:
    """Words coloured green when they pushed the score up and red when they pulled it down, by how much."""
    text = Text()
    for word, delta in zip(words, deltas):
        strength = min(1.0, abs(delta) * 2.5)
        level = int(80 + 175 * strength)
        colour = f"rgb(0,{level},0)" if delta >= 0 else f"rgb({level},0,0)"
        text.append(word, style=f"bold white on {colour}" if strength > 0.15 else colour)
        text.append(f"{delta:+.2f}", style="dim")
        text.append("  ")
    return text


def probability_bar(label: str, probability: float, width: int = 40) -> Text:
    filled = round(probability * width)
    text = Text(f"{label:>10} ")
    text.append("█" * filled, style="green" if probability >= 0.5 else "red")
    text.append("░" * (width - filled), style="dim")
    text.append(f" {probability:6.1%}")
    return text


class ScorePane(Vertical):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Select([], prompt="classifier model", id="score-model")
        yield Input(placeholder="type a review, e.g. 재미있을 줄 알았는데 완전 실망했다", id="score-input")
        yield Static("", id="score-error", classes="error")
        yield Static("", id="score-result")
        yield Static("", id="score-words")

    def refresh_models(self) -> None:
        select = self.query_one("#score-model", Select)
        options = bundle_options("classifier")
        select.set_options(options)
        if options and select.value is Select.NULL:
            select.value = options[0][1]

    @on(Input.Changed, "#score-input")
    @on(Select.Changed, "#score-model")
    def _changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_S, self.score_now)

    def score_now(self) -> None:
        text = self.query_one("#score-input", Input).value
        model = self.query_one("#score-model", Select).value
        error = self.query_one("#score-error", Static)
        if not text.strip():
            error.update("")
            self.query_one("#score-result", Static).update("")
            self.query_one("#score-words", Static).update("")
            return
        if model is Select.NULL:
            error.update("pick a classifier model first (train one in the Train tab)")
            return
        error.update("")
        self._score(str(model), text)

    @work(thread=True, exclusive=True, group="score")
    def _score(self, model: str, text: str) -> None:
        from hangul_rnn.errors import HangulRNNError
        from hangul_rnn.scoring import explain

        try:
            bundle = self.app.bundles.get(model)
            explanation = explain(bundle, text)
        except HangulRNNError as exc:
            self.app.call_from_thread(self.query_one("#score-error", Static).update, str(exc))
            return
        self.app.call_from_thread(self._show, explanation)

    def _show(self, explanation) -> None:
        final = explanation.final
        result = Text()
        for i, (label, probability) in enumerate(final.probabilities.items()):
            if i:
                result.append("\n")
            result.append_text(probability_bar(label, probability))
        self.query_one("#score-result", Static).update(result)
        self.query_one("#score-words", Static).update(tinted_words(explanation.words, explanation.deltas))
