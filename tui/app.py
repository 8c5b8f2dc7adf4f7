"""``hangul-rnn tui``: train, generate and score from one screen.

The app is a shell: every action calls the same library functions as the CLI (``training.train``,
``sampling.generate``, ``scoring.explain``, ``catalog.list_bundles``, ``stats.corpus_stats``), and every slow one
runs in a thread worker so the interface never freezes.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, TabbedContent, TabPane

from .bundles import BundleCache
from .generate_pane import GeneratePane
from .library_pane import CorporaPane, ModelsPane
from .score_pane import ScorePane
from .train_pane import TrainPane

TABS = ("train", "generate", "score", "models", "corpora")


class HangulRNNApp(App):
    """Five tabs; F-keys switch between them, the footer shows the keys of the current one."""

    TITLE = "hangul-rnn"
    SUB_TITLE = "Korean text with recurrent networks"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("f1", "show_tab('train')", "Train"),
        Binding("f2", "show_tab('generate')", "Generate"),
        Binding("f3", "show_tab('score')", "Score"),
        Binding("f4", "show_tab('models')", "Models"),
        Binding("f5", "show_tab('corpora')", "Corpora"),
        Binding("ctrl+t", "toggle_theme", "Light/dark"),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.bundles = BundleCache()

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial="train", id="tabs"):
            with TabPane("Train", id="train"):
                yield TrainPane(id="train-pane")
            with TabPane("Generate", id="generate"):
                yield GeneratePane(id="generate-pane")
            with TabPane("Score", id="score"):
                yield ScorePane(id="score-pane")
            with TabPane("Models", id="models"):
                yield ModelsPane(id="models-pane")
            with TabPane("Corpora", id="corpora"):
                yield CorporaPane(id="corpora-pane")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_models()

    def refresh_models(self) -> None:
        """Re-read the installed bundles into every model picker (after a run finishes, for instance)."""
        self.query_one(GeneratePane).refresh_models()
        self.query_one(ScorePane).refresh_models()
        self.query_one(ModelsPane).refresh_models()

    def on_train_pane_finished(self, message: TrainPane.Finished) -> None:
        if message.bundle_path is not None:
            self.bundles.forget(str(message.bundle_path))
        self.refresh_models()

    # -- actions ----------------------------------------------------------------------------------------------
    def action_show_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab

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
