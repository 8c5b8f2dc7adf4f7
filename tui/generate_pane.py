"""The Generate tab: text streams in token by token; temperature, top-k and top-p can change while it streams.

Decoding is :func:`hangul_rnn.sampling.generate` in a thread worker. The worker and the form share one
:class:`~hangul_rnn.sampling.SamplingOptions` object: the sampler reads it before every token, so a change in the
form takes effect on the next token without restarting the stream.
"""

from __future__ import annotations

import time

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static, TextArea
from textual.worker import get_current_worker

from .bundles import fill_model_select
from .forms import FormError, float_field, int_field


class GeneratePane(Vertical):
    BINDINGS = [
        ("ctrl+up", "temperature(0.1)", "temp +"),
        ("ctrl+down", "temperature(-0.1)", "temp −"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        from hangul_rnn.sampling import SamplingOptions

        super().__init__(id=id)
        self.options = SamplingOptions()
        self.text = ""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Select([], prompt="generator model", id="gen-model", compact=True)
            yield Button("Generate", id="gen-start", variant="primary", compact=True)
            yield Button("Stop", id="gen-stop", variant="error", disabled=True, compact=True)
        yield Input(placeholder="prompt, e.g. 태조가  (empty: start from a new line)", id="gen-prompt")
        with Horizontal(classes="row options"):
            yield Label("temperature")
            yield Input("1.0", id="gen-temperature", classes="num", compact=True)
            yield Label("top-k")
            yield Input("0", id="gen-top-k", classes="num", compact=True)
            yield Label("top-p")
            yield Input("1.0", id="gen-top-p", classes="num", compact=True)
            yield Label("max tokens")
            yield Input("300", id="gen-max", classes="num", compact=True)
        yield Static("", id="gen-error", classes="error")
        yield TextArea("", id="gen-output", read_only=True, soft_wrap=True)
        with Horizontal(classes="row"):
            yield Static("", id="gen-stats")
            yield Button("Copy", id="gen-copy", compact=True)
            yield Button("Save", id="gen-save", compact=True)

    def refresh_models(self) -> None:
        fill_model_select(self.query_one("#gen-model", Select), "generator")

    # -- options that apply mid-stream -----------------------------------------------------------------------
    @on(Input.Changed, "#gen-temperature, #gen-top-k, #gen-top-p")
    def _options_changed(self, event: Input.Changed) -> None:
        try:
            self._read_options()
        except FormError as exc:
            self.query_one("#gen-error", Static).update(str(exc))
            return
        self.query_one("#gen-error", Static).update("")

    def _read_options(self) -> None:
        temperature = float_field(self.query_one("#gen-temperature", Input), "temperature", minimum=0.0, maximum=5.0)
        top_k = int_field(self.query_one("#gen-top-k", Input), "top-k", minimum=0)
        top_p = float_field(self.query_one("#gen-top-p", Input), "top-p", minimum=0.0, maximum=1.0,
                            inclusive_min=False)
        self.options.temperature, self.options.top_k, self.options.top_p = temperature, top_k, top_p

    def action_temperature(self, delta: float) -> None:
        new = min(5.0, max(0.0, round(self.options.temperature + delta, 2)))
        self.query_one("#gen-temperature", Input).value = f"{new:.1f}"

    # -- start / stop ----------------------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        handlers = {"gen-start": self.start, "gen-stop": self.stop, "gen-copy": self.copy, "gen-save": self.save}
        if event.button.id in handlers:
            handlers[event.button.id]()

    @on(Input.Submitted, "#gen-prompt")
    def _prompt_submitted(self) -> None:
        self.start()

    def start(self) -> None:
        error = self.query_one("#gen-error", Static)
        model = self.query_one("#gen-model", Select).value
        if model is Select.NULL:
            error.update("pick a generator model first (train one in the Train tab)")
            return
        try:
            self._read_options()
            max_tokens = int_field(self.query_one("#gen-max", Input), "max tokens", maximum=100_000)
        except FormError as exc:
            error.update(str(exc))
            return
        error.update("")
        self.text = ""
        self.query_one("#gen-output", TextArea).text = ""
        self.query_one("#gen-start", Button).label = "Regenerate"
        self.query_one("#gen-stop", Button).disabled = False
        prompt = self.query_one("#gen-prompt", Input).value
        # An empty prompt is allowed: the model reads its start token (a line break) and writes a new line.
        note = "" if prompt else "empty prompt: starting from a new line · "
        self._status(note + "starting …")
        self._stream(str(model), prompt, max_tokens, note)

    def stop(self) -> None:
        self.workers.cancel_group(self, "generate")
        self.query_one("#gen-stop", Button).disabled = True

    @work(thread=True, exclusive=True, group="generate")
    def _stream(self, model: str, prompt: str, max_tokens: int, note: str = "") -> None:
        from hangul_rnn.errors import HangulRNNError
        from hangul_rnn.sampling import generate

        worker = get_current_worker()
        self.app.call_from_thread(self._status, note + "loading model …")
        try:
            bundle = self.app.bundles.get(model)
            self.app.call_from_thread(self._append, prompt)
            start = time.perf_counter()
            count = 0
            for piece in generate(bundle, prompt, options=self.options, max_tokens=max_tokens):
                if worker.is_cancelled:
                    break
                count += 1
                rate = count / max(1e-6, time.perf_counter() - start)
                self.app.call_from_thread(self._append, piece)
                self.app.call_from_thread(
                    self._status,
                    f"{note}{count} pieces · {rate:.0f}/s · temperature {self.options.temperature:.1f}")
        except HangulRNNError as exc:
            self.app.call_from_thread(self.query_one("#gen-error", Static).update, str(exc))
        except Exception as exc:  # noqa: BLE001 - a failed stream is reported inline, it must not end the app
            self.app.call_from_thread(self.query_one("#gen-error", Static).update, f"{type(exc).__name__}: {exc}")
        finally:
            self.app.call_from_thread(self._finished)

    def _append(self, piece: str) -> None:
        self.text += piece
        area = self.query_one("#gen-output", TextArea)
        area.text = self.text
        area.scroll_end(animate=False)

    def _status(self, message: str) -> None:
        self.query_one("#gen-stats", Static).update(message)

    def _finished(self) -> None:
        self.query_one("#gen-stop", Button).disabled = True

    # -- copy / save ------------------------------------------------------------------------------------------
    def copy(self) -> None:
        self.app.copy_to_clipboard(self.text)
        self.app.notify("copied to the clipboard")

    def save(self) -> None:
        from hangul_rnn import paths

        if not self.text:
            self.app.notify("nothing to save yet", severity="warning")
            return
        folder = paths.home() / "samples"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / time.strftime("sample-%Y%m%d-%H%M%S.txt")
        target.write_text(self.text + "\n", encoding="utf-8")
        self.app.notify(f"saved {target}")
