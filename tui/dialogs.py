"""Modal screens: a yes/no question, a one-line answer (a file to save to, a new name), and the help screen."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Markdown, Static

DIALOG_CSS = """
ConfirmScreen, AskScreen { align: center middle; }
.dialog { width: 64; max-width: 100%; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
.dialog Static { width: 1fr; height: auto; }
.dialog .row { margin-top: 1; height: auto; align-horizontal: right; }
.dialog .error { color: $text-error; }
"""


class ConfirmScreen(ModalScreen[bool]):
    """A question answered yes (Enter on Yes, or y) or no (Escape, or n); dismissed with the answer."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape,n", "answer(False)", "No"), Binding("y", "answer(True)", "Yes")]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, id="confirm-question")
            with Horizontal(classes="row"):
                yield Button(self.no, id="confirm-no", compact=True)
                yield Button(self.yes, id="confirm-yes", variant="warning", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()  # the safe answer is the one Enter gives

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class AskScreen(ModalScreen["str | None"]):
    """A one-line answer (a path, a name), checked by ``validate`` (returns an error message or None)."""

    AUTO_FOCUS = "*"  # the answer's field (the app itself turns automatic focus off for its main screen)
    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, value: str = "", *, ok: str = "OK", input_id: str = "ask-value",
                 ok_id: str = "ask-ok", validate=None) -> None:
        super().__init__()
        self.question, self.value, self.ok, self.validate = question, value, ok, validate
        self.input_id, self.ok_id = input_id, ok_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question)
            yield Input(self.value, id=self.input_id)
            yield Static("", classes="error", id="ask-error")
            with Horizontal(classes="row"):
                yield Button("Cancel", id="ask-cancel", compact=True)
                yield Button(self.ok, id=self.ok_id, variant="primary", compact=True)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self._finish()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ask-cancel":
            self.dismiss(None)
        else:
            self._finish()

    def _finish(self) -> None:
        answer = self.query_one(f"#{self.input_id}", Input).value.strip()
        problem = self.validate(answer) if self.validate is not None else None
        if problem:
            self.query_one("#ask-error", Static).update(problem)
            return
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SaveScreen(AskScreen):
    """Where to save a sample: the path, prefilled with a new file in the last folder used."""

    def __init__(self, suggested: str) -> None:
        super().__init__("Save the text (with its model, prompt and settings) to:", suggested, ok="Save",
                         input_id="save-path", ok_id="save-ok",
                         validate=lambda path: None if path else "type a file name")


HELP = """\
# hangul-rnn

Korean text with recurrent networks: **train** a model, **generate** text with it, **score** reviews, look after
your **models** and **corpora**. Everything here is also a `hangul-rnn` command; both call the same library.

## Keys everywhere

| key | does |
|---|---|
| F1 … F5 | Train, Generate, Score, Models, Corpora (whatever has the focus) |
| ? | this help (Escape closes it) |
| Ctrl+P | every action by name |
| Ctrl+T | light / dark theme |
| Ctrl+Q | quit (settings are remembered) |

## Train (F1)

Pick a task, a corpus (or your own file: `.txt` one document a line, `.tsv` text and label columns) and a network;
**Start** (Ctrl+R) trains in the background with live loss, overall progress, time left and a sample after each epoch.
**Cancel** (Escape) stops at the next batch, even during validation; the last complete epoch stays saved.
A name that is a shipped model's asks first: the new model would hide the shipped one.
A classifier has its own rows: *pool* (how a text becomes one vector), *bucket* (batches of similar length),
*vectors* (a word-vector file to start the embedding from, as `hangul-rnn pretrain-embeddings` writes),
*teacher* (a soft-label file, as `hangul-rnn label` writes: another model's probabilities to learn from), and
with a generator in *from* its fine-tuning: *freeze* epochs for the new head alone, then all layers or one more per
epoch (gradual), and a learning rate *decay* per layer down from the head (ULMFiT: freeze 1, gradual, decay 2.6).

## Generate (F2)

Type a prompt and press Enter (or Ctrl+R to generate again). Escape stops; ↑/↓ walk through earlier prompts;
Ctrl+↑/↓ change the temperature while text streams. Ctrl+S saves the text with its settings, Ctrl+Y copies it.
*samples* > 1 writes several continuations at once; a *seed* repeats a sample; *stop at* ends at a line or sentence.

## Score (F3)

Type a review: it is scored as you type, each word tinted by how it moved the score (green up, red down).
Tick several classifiers (space) to average them.

## Models (F4)

Every installed and shipped model; the highlighted one in full, with its loss and accuracy by epoch. **g** uses
it in Generate or Score, **e** evaluates it as `hangul-rnn evaluate` does (a classifier on its corpus's test split,
kept with the model, or on its validation hold-out when the corpus has none; a generator on its held-out tail in
bits per cleaned and per raw character; **e** again stops), **r** renames it, **d** deletes it (after asking).
Shipped models cannot be deleted or renamed; a model a saved ensemble lists cannot either, until the ensemble is
deleted.

## Corpora (F5)

Size, vocabulary and length histogram of a built-in corpus or of your own file, with the label balance.
"""


class HelpScreen(ModalScreen[None]):
    """The keys and what each tab does; any F-key or Escape closes it."""

    AUTO_FOCUS = "*"  # the scrolling body, so arrow keys read on (the app turns automatic focus off)

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90%; max-width: 100; height: 90%; border: thick $primary;
                                  background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(HELP, id="help-text")
