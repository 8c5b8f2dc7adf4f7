"""``hangul-rnn tui``: train, generate and score from one screen.

The app is a shell: every action calls the same library functions as the CLI (``training.train``,
``sampling.generate``, ``scoring.explain``, ``catalog.list_bundles``, ``stats.corpus_stats``), and every slow one
runs in a thread worker so the interface never freezes.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Select, TabbedContent, TabPane

from .bundles import BundleCache
from .dialogs import HelpScreen
from .generate_pane import GeneratePane
from .library_pane import CorporaPane, ModelsPane
from .score_pane import ScorePane
from .settings import Settings
from .train_pane import TrainPane

TABS = ("train", "generate", "score", "models", "corpora")
#: The widget each tab focuses when it is shown: the one a person came to the tab to use.
FIRST_FOCUS = {"train": "#train-task", "generate": "#gen-prompt", "score": "#score-input", "models": "#models-table",
               "corpora": "#corpus-name"}
#: Widths at which the layout changes: below NARROW the forms get compact, from WIDE on they spread out.
NARROW, WIDE = 70, 110


class HangulRNNApp(App):
    """Five tabs; F-keys switch between them whatever has the focus, the footer shows the keys of the current one."""

    TITLE = "hangul-rnn"
    SUB_TITLE = "Korean text with recurrent networks"
    # The first focus is ours (_initial_focus): Textual's automatic one can land after a key already switched tabs
    # (seen on a loaded machine) and then TabbedContent switches back to the tab that holds it.
    AUTO_FOCUS = None
    CSS_PATH = "app.tcss"
    BINDINGS = [
        # priority: a focused widget (an open picker, a text field) must not swallow the way out of its tab
        *(Binding(f"f{i + 1}", f"show_tab('{tab}')", tab.title(), show=False, priority=True)
          for i, tab in enumerate(TABS)),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.bundles = BundleCache()
        self.settings = Settings()

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial="train", id="tabs"):
            with TabPane("F1 Train", id="train"):
                yield TrainPane(id="train-pane")
            with TabPane("F2 Generate", id="generate"):
                yield GeneratePane(id="generate-pane")
            with TabPane("F3 Score", id="score"):
                yield ScorePane(id="score-pane")
            with TabPane("F4 Models", id="models"):
                yield ModelsPane(id="models-pane")
            with TabPane("F5 Corpora", id="corpora"):
                yield CorporaPane(id="corpora-pane")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        theme = self.settings.get("theme")
        if theme in self.available_themes:
            self.theme = theme
        self.refresh_models()
        self._fit_layout(self.size.width)
        self.call_after_refresh(self._initial_focus)

    def _initial_focus(self) -> None:
        """The shown tab's keys work from the first moment. Whatever tab that is: a key pressed while the app
        started may have switched already, and focusing the Train tab's field would switch back."""
        tab = self.query_one("#tabs", TabbedContent).active
        if tab in FIRST_FOCUS and not self._focus_is_in(tab):
            self.query_one(FIRST_FOCUS[tab]).focus()

    def on_resize(self, event) -> None:
        self._fit_layout(event.size.width)

    def _fit_layout(self, width: int) -> None:
        """Classes the stylesheet keys compact and spread-out layouts on (Textual has no width media queries)."""
        self.set_class(width < NARROW, "-narrow")
        self.set_class(width >= WIDE, "-wide")

    def watch_theme(self, theme: str) -> None:
        self.settings.set("theme", theme)

    def refresh_models(self) -> None:
        """Re-read the installed bundles into every model picker (after a run finishes, for instance).

        Queried, not looked up one by one: a run that ends while the app closes finds no panes, and that is fine."""
        for pane in self.query("GeneratePane, ScorePane, ModelsPane"):
            pane.refresh_models()  # type: ignore[attr-defined]

    def on_train_pane_finished(self, message: TrainPane.Finished) -> None:
        if message.bundle_path is not None:
            self.bundles.forget(str(message.bundle_path))
        self.refresh_models()

    def on_models_pane_changed(self, message: ModelsPane.Changed) -> None:
        self.bundles.forget()
        self.refresh_models()

    def on_models_pane_use(self, message: ModelsPane.Use) -> None:
        """"Use" on the Models tab: pick the model in the tab of its task and go there."""
        if message.task == "generator":
            self.query_one(GeneratePane).use_model(message.path)
            self.action_show_tab("generate")
        else:
            self.query_one(ScorePane).use_model(message.path)
            self.action_show_tab("score")

    @on(TabbedContent.TabActivated, "#tabs")
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """A tab shown by a click gets its focus too, so its keys work at once."""
        tab = event.pane.id or ""
        if tab in FIRST_FOCUS and not self._focus_is_in(tab):
            self.call_after_refresh(self._focus_tab, tab)

    def _focus_is_in(self, tab: str) -> bool:
        focused = self.focused
        pane = self.query_one(f"#{tab}", TabPane)
        return focused is not None and (focused is pane or pane in focused.ancestors)

    def _focus_tab(self, tab: str) -> None:
        if self.query_one("#tabs", TabbedContent).active == tab:
            self.query_one(FIRST_FOCUS[tab]).focus()

    # -- actions ----------------------------------------------------------------------------------------------
    def action_show_tab(self, tab: str) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        elif self.screen is not self.screen_stack[0]:
            return  # a question is waiting for its answer
        for select in self.query(Select):  # an open picker would keep the keys (and float over the new tab)
            if select.expanded:
                select.expanded = False
        # The focus moves first: TabbedContent shows the tab that holds the focused widget.
        self.query_one(FIRST_FOCUS[tab]).focus()
        self.query_one("#tabs", TabbedContent).active = tab

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def action_start_training(self) -> None:
        self.action_show_tab("train")
        self.query_one(TrainPane).start()

    def action_cancel_training(self) -> None:
        self.query_one(TrainPane).cancel()

    def action_generate(self) -> None:
        self.action_show_tab("generate")
        self.query_one(GeneratePane).start()

    def action_stop_generation(self) -> None:
        self.query_one(GeneratePane).stop()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """A palette entry for each action (ctrl+p)."""
        yield from super().get_system_commands(screen)
        for tab in TABS:
            yield SystemCommand(f"Go to {tab.title()}", f"Show the {tab} tab", lambda t=tab: self.action_show_tab(t))
        yield SystemCommand("Help", "Keys and what each tab does", self.action_help)
        yield SystemCommand("Start training", "Train with the settings in the Train tab", self.action_start_training)
        yield SystemCommand("Cancel training", "Stop at the next batch; the last checkpoint is kept",
                            self.action_cancel_training)
        yield SystemCommand("Generate", "Stream text from the selected generator", self.action_generate)
        yield SystemCommand("Stop generation", "Stop the text that is streaming", self.action_stop_generation)
        yield SystemCommand("Refresh models", "Re-read the installed model bundles", self.refresh_models)
        yield SystemCommand("Toggle light/dark", "Switch between the light and the dark theme",
                            self.action_toggle_theme)


def run() -> None:
    HangulRNNApp().run()
