"""The Score tab: the sentence is scored as it is typed, each word tinted by how much it moved the score.

Scoring is :func:`hangul_rnn.scoring.explain` (one batched forward pass over every prefix) in a thread worker,
debounced so that fast typing scores only the text the user paused on. Ticking several classifiers scores with
their :class:`~hangul_rnn.ensemble.Ensemble` (probabilities averaged): on NSMC that is the most accurate
configuration, and the TUI should offer what ``hangul-rnn score --model A --model B`` does.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.color import Color
from textual.containers import Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Input, SelectionList, Static
from textual.worker import get_current_worker

from .bundles import fill_model_list

DEBOUNCE_S = 0.25


DARK_BACKGROUND = "#121212"
UP_COLOUR = "#2E9D4A"  # the word pushed the score up
DOWN_COLOUR = "#D0342C"


def _tint(background: Color, target: str, strength: float) -> tuple[str, str]:
    """(background, foreground) hex colours: the target blended into the page by strength, with readable text."""
    tint = background.blend(Color.parse(target), 0.2 + 0.8 * strength)
    return tint.hex, tint.get_contrast_text(1.0).hex


def tinted_words(words: list[str], deltas: list[float], background: str = DARK_BACKGROUND) -> Text:
    """Each word on a green tint when it pushed the score up and a red one when it pulled it down, by how much.

    The tint is blended into the page ``background`` (the theme's) and the word is written in black or white,
    whichever reads better on it, so that weak and strong tints stay legible on the light and the dark theme.
    """
    page = Color.parse(background)
    text = Text()
    for word, delta in zip(words, deltas):
        strength = min(1.0, abs(delta) * 2.5)
        tint, ink = _tint(page, UP_COLOUR if delta >= 0 else DOWN_COLOUR, strength)
        text.append(f" {word} ", style=f"{'bold ' if strength > 0.15 else ''}{ink} on {tint}")
        text.append(f"{delta:+.2f}", style="dim")
        text.append("  ")
    return text


def label_colour(index: int, labels: list[str], *, positive: str = "green", negative: str = "red",
                 other: str = "cyan") -> str:
    """The colour of a label's bar: by what the label means, not by how large its share is (a 98.7% negative
    review is drawn red). Of two labels the positive one is the scoring library's (named so, or class 1)."""
    from hangul_rnn.scoring import positive_index

    if len(labels) == 2:
        return positive if index == positive_index(labels) else negative
    return other


def probability_bar(label: str, probability: float, width: int = 40, *, colour: str = "green") -> Text:
    filled = round(probability * width)
    text = Text(f"{label:>10} ")
    text.append("█" * filled, style=colour)
    text.append("░" * (width - filled), style="dim")
    text.append(f" {probability:6.1%}")
    return text


class ScorePane(Vertical):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._timer: Timer | None = None
        self._explanation = None  # the last one shown, drawn again when the theme changes
        self._members = 1  # how many models that explanation averaged
        self._warming: object | None = None  # the thread loading Kiwi, once one was needed

    def compose(self) -> ComposeResult:
        models = SelectionList[str](id="score-models", compact=True)
        models.border_title = "classifier models (space ticks; several are averaged)"
        yield models
        yield Input(placeholder="type a review, e.g. 재미있을 줄 알았는데 완전 실망했다", id="score-input")
        yield Static("", id="score-error", classes="error")
        with VerticalScroll(id="score-scroll"):  # a long review's words run past the screen: they scroll
            yield Static("", id="score-result")
            yield Static("", id="score-words")

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda _theme: self._redraw(), init=False)

    def refresh_models(self) -> None:
        from hangul_rnn.commands.score import DEFAULT_MODEL

        fill_model_list(self.query_one("#score-models", SelectionList), "classifier", default=DEFAULT_MODEL,
                        remembered=self.app.settings.get("score", {}).get("models"))

    def use_model(self, path: str) -> None:
        """Score with this model alone (the Models tab's "use")."""
        models = self.query_one("#score-models", SelectionList)
        models.deselect_all()
        models.select(path)

    def _clear_result(self) -> None:
        self._explanation = None
        self.query_one("#score-result", Static).update("")
        self.query_one("#score-words", Static).update("")

    def _fail(self, message: str) -> None:
        """An error replaces the result: a stale score under a message would read as the answer."""
        self.query_one("#score-error", Static).update(message)
        self._clear_result()

    def on_show(self) -> None:
        """Start Kiwi (and its first analysis) in the background once this tab is shown, if a ticked model stems
        with it: loading it takes seconds, which would otherwise be the first score's wait."""
        self._warm([str(m) for m in self.query_one("#score-models", SelectionList).selected])

    @on(SelectionList.SelectedChanged, "#score-models")
    def _ticked(self) -> None:
        ticked = [str(m) for m in self.query_one("#score-models", SelectionList).selected]
        if ticked:
            self.app.settings.set("score", {**self.app.settings.get("score", {}), "models": ticked})
        self._warm(ticked)

    def _warm(self, models: list[str]) -> None:
        """Kiwi's start holds the interpreter for seconds, so it waits until this tab is really on screen (the
        default model is ticked while the app starts, behind another tab) and until the tab has been drawn."""
        if models and self._warming is None and self.is_on_screen:  # once: every model shares one Kiwi
            self._warming = True
            self.set_timer(0.3, lambda: self._start_warming(models))

    def _start_warming(self, models: list[str]) -> None:
        from hangul_rnn.scoring import warm_analyser

        self._warming = warm_analyser(models)

    @on(Input.Changed, "#score-input")
    @on(SelectionList.SelectedChanged, "#score-models")
    def _changed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_S, self.score_now)

    def score_now(self) -> None:
        text = self.query_one("#score-input", Input).value
        models = [str(m) for m in self.query_one("#score-models", SelectionList).selected]
        error = self.query_one("#score-error", Static)
        if not text.strip():
            error.update("")
            self._clear_result()
            return
        if not models:
            self._fail("tick a classifier model first (train one in the Train tab)")
            return
        error.update("")
        self._score(models, text)

    @work(thread=True, exclusive=True, group="score")
    def _score(self, models: list[str], text: str) -> None:
        from hangul_rnn.ensemble import Ensemble
        from hangul_rnn.errors import HangulRNNError
        from hangul_rnn.scoring import explain

        try:
            bundles = [self.app.bundles.get(m) for m in models]
            explanation = explain(bundles[0] if len(bundles) == 1 else Ensemble(bundles), text)
        except HangulRNNError as exc:
            self.app.call_from_thread(self._fail, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - reported inline, never a crash
            self.app.call_from_thread(self._fail, f"{type(exc).__name__}: {exc}")
            return
        if not get_current_worker().is_cancelled:  # a newer text is being scored: this result is stale
            averaged = sum(len(b.members) if isinstance(b, Ensemble) else 1 for b in bundles)  # a saved one counts
            self.app.call_from_thread(self._show, explanation, averaged)

    def _show(self, explanation, members: int = 1) -> None:
        if not self.query_one("#score-input", Input).value.strip():
            return  # the text was cleared while this one was being scored
        self._explanation = explanation
        self._members = members
        self._redraw()

    def _redraw(self) -> None:
        explanation = self._explanation
        if explanation is None:
            return
        colours = self.app.get_css_variables()
        final = explanation.final
        result = Text()
        if self._members > 1:
            result.append(f"average of {self._members} models\n", style="dim")
        labels = list(final.probabilities)
        for i, (label, probability) in enumerate(final.probabilities.items()):
            if i:
                result.append("\n")
            colour = label_colour(i, labels, positive=colours.get("success", "green"),
                                  negative=colours.get("error", "red"), other=colours.get("accent", "cyan"))
            result.append_text(probability_bar(label, probability, colour=colour))
        self.query_one("#score-result", Static).update(result)
        self.query_one("#score-words", Static).update(
            tinted_words(explanation.words, explanation.deltas, colours.get("background", DARK_BACKGROUND)))
