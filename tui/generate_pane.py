"""The Generate tab: text streams in token by token; temperature, top-k and top-p can change while it streams.

Decoding is :func:`hangul_rnn.sampling.generate_batch` (what ``hangul-rnn generate`` calls, with the same options:
samples, seed, stop at a line or sentence) in a thread worker. The worker and the form share one
:class:`~hangul_rnn.sampling.SamplingOptions` object: the sampler reads it before every token, so a change in the
form takes effect on the next token without restarting the stream. Pieces reach the screen in small batches and are
appended (never the whole text again), and the view follows the end unless the user scrolled up to read.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static, TextArea
from textual.worker import get_current_worker

from hangul_rnn.sampling import STOP_AT

from .bundles import fill_model_select
from .clipboard import copy_text
from .forms import FormError, float_field, int_field

#: The defaults of ``hangul-rnn generate`` (tests/test_tui_features.py holds the two together).
DEFAULTS = {"temperature": "1.0", "top_k": "0", "top_p": "1.0", "max_tokens": "200", "num_samples": "1", "seed": "",
            "stop_at": "none"}
#: Seconds between screen updates while text streams: fast enough to read as live, few enough to cost nothing.
FLUSH_S = 0.05
_FIELDS = {"temperature": "#gen-temperature", "top_k": "#gen-top-k", "top_p": "#gen-top-p", "max_tokens": "#gen-max",
           "num_samples": "#gen-samples", "seed": "#gen-seed"}


class PromptInput(Input):
    """The prompt field, with ↑/↓ through earlier prompts (as a shell's history)."""

    BINDINGS = [Binding("up", "history(-1)", "earlier prompt", show=False),
                Binding("down", "history(1)", "later prompt", show=False)]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.history: list[str] = []
        self._at = 0

    def set_history(self, history: list[str]) -> None:
        self.history = list(history)
        self._at = len(self.history)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._at = max(0, min(len(self.history), self._at + step))
        self.value = self.history[self._at] if self._at < len(self.history) else ""
        self.cursor_position = len(self.value)


class GeneratePane(Vertical):
    BINDINGS = [
        Binding("ctrl+r", "generate", "Generate"),
        Binding("escape", "stop", "Stop"),
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+y", "copy", "Copy", priority=True),
        Binding("ctrl+up", "temperature(0.1)", "temp+", show=False),
        Binding("ctrl+down", "temperature(-0.1)", "temp−", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        from hangul_rnn.sampling import SamplingOptions

        super().__init__(id=id)
        self.options = SamplingOptions()
        self.text = ""
        self.run_info: dict[str, object] = {}  # what produced self.text: model, prompt, settings, seed
        self._streaming = False

    def compose(self) -> ComposeResult:
        saved = self.app.settings.get("generate", {})
        value = {key: str(saved.get(key, default)) for key, default in DEFAULTS.items()}
        with Horizontal(classes="row"):
            yield Select([], prompt="generator model", id="gen-model", compact=True)
            yield Button("Generate", id="gen-start", variant="primary", compact=True)
            yield Button("Stop", id="gen-stop", variant="error", disabled=True, compact=True)
        yield PromptInput(saved.get("prompt", ""), placeholder="prompt, e.g. 태조가  (empty: start a new line)",
                          id="gen-prompt")
        with Horizontal(classes="row options"):
            yield Label("temp")
            yield Input(value["temperature"], id="gen-temperature", classes="num", compact=True)
            yield Label("top-k")
            yield Input(value["top_k"], id="gen-top-k", classes="num", compact=True)
            yield Label("top-p")
            yield Input(value["top_p"], id="gen-top-p", classes="num", compact=True)
            yield Label("stop at")
            yield Select([("never", "none"), *((v, v) for v in STOP_AT)], value=value["stop_at"]
                         if value["stop_at"] in ("none", *STOP_AT) else "none", allow_blank=False, compact=True,
                         id="gen-stop-at")
        with Horizontal(classes="row options"):
            yield Label("max tokens")
            yield Input(value["max_tokens"], id="gen-max", classes="num", compact=True)
            yield Label("samples")
            yield Input(value["num_samples"], id="gen-samples", classes="num", compact=True)
            yield Label("seed")
            yield Input(value["seed"], id="gen-seed", classes="num", compact=True, placeholder="random")
        yield Static("", id="gen-error", classes="error")
        yield TextArea("", id="gen-output", read_only=True, soft_wrap=True)
        with Horizontal(classes="row"):
            yield Static("", id="gen-stats")
            yield Button("Copy", id="gen-copy", compact=True)
            yield Button("Save", id="gen-save", compact=True)

    def on_mount(self) -> None:
        self.query_one(PromptInput).set_history(self.app.settings.get("prompt_history", []))
        self._read_options_quietly()

    def refresh_models(self) -> None:
        from hangul_rnn.commands.generate import DEFAULT_MODEL

        fill_model_select(self.query_one("#gen-model", Select), "generator", default=DEFAULT_MODEL,
                          remembered=self.app.settings.get("generate", {}).get("model"))

    def use_model(self, path: str) -> None:
        self.query_one("#gen-model", Select).value = path

    # -- remembering the form --------------------------------------------------------------------------------
    def _remember(self, **values: object) -> None:
        settings = self.app.settings
        settings.set("generate", {**settings.get("generate", {}), **values})

    @on(Select.Changed, "#gen-model")
    def _model_changed(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL:
            self._remember(model=str(event.value))

    @on(Select.Changed, "#gen-stop-at")
    def _stop_at_changed(self, event: Select.Changed) -> None:
        self._remember(stop_at=str(event.value))

    @on(Input.Changed, "#gen-max, #gen-samples, #gen-seed")
    def _field_changed(self, event: Input.Changed) -> None:
        key = next(k for k, selector in _FIELDS.items() if selector == f"#{event.input.id}")
        self._remember(**{key: event.value})

    # -- options that apply mid-stream -----------------------------------------------------------------------
    @on(Input.Changed, "#gen-temperature, #gen-top-k, #gen-top-p")
    def _options_changed(self, event: Input.Changed) -> None:
        key = next(k for k, selector in _FIELDS.items() if selector == f"#{event.input.id}")
        self._remember(**{key: event.value})
        try:
            self._read_options()
        except FormError as exc:
            self.query_one("#gen-error", Static).update(str(exc))
            return
        self.query_one("#gen-error", Static).update("")
        if self._streaming:  # what is saved must not claim one temperature for text written at several
            self.run_info["note"] = "temperature, top-k or top-p changed while the text streamed"

    def _read_options_quietly(self) -> None:
        try:
            self._read_options()
        except FormError:
            pass  # said when the user generates

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

    def action_generate(self) -> None:
        self.start()

    def action_stop(self) -> None:
        self.stop()

    def action_save(self) -> None:
        self.save()

    def action_copy(self) -> None:
        self.copy()

    def _read_run(self) -> dict[str, object]:
        """The form's run settings (the ones fixed for a whole stream), or FormError."""
        self._read_options()
        seed_text = self.query_one("#gen-seed", Input).value.strip()
        seed = int_field(self.query_one("#gen-seed", Input), "seed", minimum=0) if seed_text else None
        stop_at = str(self.query_one("#gen-stop-at", Select).value)
        return {
            "max_tokens": int_field(self.query_one("#gen-max", Input), "max tokens", maximum=100_000),
            "num_samples": int_field(self.query_one("#gen-samples", Input), "samples", maximum=64),
            # no seed given: one is drawn here, so that what is saved says how to get the same text again
            "seed": seed if seed is not None else random.randrange(2**31),
            "stop_at": None if stop_at == "none" else stop_at,
        }

    def start(self) -> None:
        error = self.query_one("#gen-error", Static)
        model = self.query_one("#gen-model", Select).value
        if model is Select.NULL:
            error.update("pick a generator model first (train one in the Train tab)")
            return
        try:
            run = self._read_run()
        except FormError as exc:
            error.update(str(exc))
            return
        error.update("")
        self.stop()
        self.text = ""
        self.query_one("#gen-output", TextArea).text = ""
        self.query_one("#gen-start", Button).label = "Again"
        self.query_one("#gen-stop", Button).disabled = False
        prompt = self.query_one("#gen-prompt", Input).value
        self.query_one(PromptInput).set_history(self.app.settings.remember_prompt(prompt))
        self._remember(prompt=prompt)
        self.run_info = {"model": Path(str(model)).name, "prompt": prompt, "temperature": self.options.temperature,
                         "top_k": self.options.top_k, "top_p": self.options.top_p, **run}
        # An empty prompt is allowed: the model reads its start token (a line break) and writes a new line.
        note = "" if prompt else "empty prompt: starting from a new line · "
        self._status(note + "starting …")
        self._streaming = True
        self._stream(str(model), prompt, run, note)

    def stop(self) -> None:
        self.workers.cancel_group(self, "generate")
        self.query_one("#gen-stop", Button).disabled = True

    @work(thread=True, exclusive=True, group="generate")
    def _stream(self, model: str, prompt: str, run: dict, note: str = "") -> None:
        from hangul_rnn.errors import HangulRNNError
        from hangul_rnn.sampling import generate_batch

        worker = get_current_worker()
        self.app.call_from_thread(self._status, note + "loading model …")
        try:
            bundle = self.app.bundles.get(model)
            stream = generate_batch(bundle, prompt, options=self.options, **run)
            self.app.call_from_thread(self._append, prompt)
            others = [""] * (run["num_samples"] - 1)
            start = last = time.perf_counter()
            count, held = 0, ""
            for pieces in stream:
                if worker.is_cancelled:
                    break
                count += 1
                held += pieces[0]
                for i, piece in enumerate(pieces[1:]):
                    others[i] += piece
                now = time.perf_counter()
                if now - last >= FLUSH_S:  # one screen update per interval, however fast the pieces come
                    last = now
                    self.app.call_from_thread(self._append, held, self._rate(note, count, now - start))
                    held = ""
            tail = held + "".join(f"\n\n{prompt}{text}" for text in others)
            self.app.call_from_thread(self._append, tail,
                                      self._rate(note, count, time.perf_counter() - start, done=True))
        except HangulRNNError as exc:
            self.app.call_from_thread(self.query_one("#gen-error", Static).update, str(exc))
        except Exception as exc:  # noqa: BLE001 - a failed stream is reported inline, it must not end the app
            self.app.call_from_thread(self.query_one("#gen-error", Static).update, f"{type(exc).__name__}: {exc}")
        finally:
            self.app.call_from_thread(self._finished)

    def _rate(self, note: str, count: int, seconds: float, *, done: bool = False) -> str:
        rate = count / max(1e-6, seconds)
        return (f"{note}{count} tokens · {rate:.0f}/s · temp {self.options.temperature:.1f} · "
                f"seed {self.run_info.get('seed')}{' · done' if done else ''}")

    def _append(self, piece: str, status: str | None = None) -> None:
        """Add text at the end; the view follows it unless the reader scrolled up."""
        if piece:
            area = self.query_one("#gen-output", TextArea)
            following = area.scroll_y >= area.max_scroll_y - 1
            self.text += piece
            end = area.document.end
            area.insert(piece, end, maintain_selection_offset=False)
            if following:
                area.move_cursor(area.document.end)
                area.scroll_end(animate=False, immediate=True)
        if status is not None:
            self._status(status)

    def _status(self, message: str) -> None:
        self.query_one("#gen-stats", Static).update(message)

    def _finished(self) -> None:
        self._streaming = False
        self.query_one("#gen-stop", Button).disabled = True

    # -- copy / save ------------------------------------------------------------------------------------------
    def copy(self) -> None:
        if not self.text:
            self.app.notify("nothing to copy yet: generate some text first", severity="warning")
            return
        how = copy_text(self.app, self.text)
        self.app.notify(how)

    def save(self) -> None:
        from hangul_rnn import paths

        from .dialogs import SaveScreen

        if not self.text:
            self.app.notify("nothing to save yet", severity="warning")
            return
        folder = Path(self.app.settings.get("save_folder") or paths.home() / "samples")
        suggested = folder / time.strftime(f"{self.run_info.get('model', 'sample')}-%Y%m%d-%H%M%S.txt")
        self.app.push_screen(SaveScreen(str(suggested)), self._save_to)

    def _save_to(self, answer: str | None) -> None:
        if not answer:
            return
        target = Path(answer).expanduser()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(sample_record(self.run_info, self.text), encoding="utf-8")
        except OSError as exc:
            self.app.notify(f"could not save: {exc}", severity="error")
            return
        self.app.settings.set("save_folder", str(target.parent))
        self.app.notify(f"saved {target}")


def sample_record(info: dict, text: str) -> str:
    """The saved form of a sample: a header of ``# key: value`` lines (model, prompt, settings, seed: enough to get
    the same text again with ``hangul-rnn generate``), a blank line, then the text."""
    keys = ("model", "prompt", "temperature", "top_k", "top_p", "max_tokens", "num_samples", "seed", "stop_at",
            "note")
    lines = [f"# {key}: {info[key]}" for key in keys if key in info]
    lines.append(f"# saved: {time.strftime('%Y-%m-%d %H:%M:%S')}")
    return "\n".join(lines) + "\n\n" + text + ("" if text.endswith("\n") else "\n")
