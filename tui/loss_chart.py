"""A small live line chart of training and validation loss, drawn with text so it works in any terminal.

Textual has a Sparkline but no two-series chart with axes; a loss curve needs both series on one scale to show
over-fitting (validation loss turning up while training loss still falls), so this widget draws them together
(with :func:`hangul_rnn.charts.text_chart`, which ``hangul-rnn history`` draws with too).
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from hangul_rnn.charts import TRAIN_MARK, VAL_MARK, Series, text_chart


class LossChart(Widget):
    """Training loss per batch (x = progress through training) and validation loss per epoch on one y scale."""

    DEFAULT_CSS = """
    LossChart { height: 10; min-height: 6; border: round $primary-darken-1; padding: 0 1; }
    """

    revision: reactive[int] = reactive(0)

    def __init__(self, *, id: str | None = None, title: str = "loss",
                 empty: str = "no training yet — start a run to see its loss here") -> None:
        super().__init__(id=id)
        self.border_title = f"{title}  [b]{TRAIN_MARK}[/] train  [b]{VAL_MARK}[/] validation"
        self.empty = empty
        self.train: list[tuple[float, float]] = []  # (epoch progress, loss)
        self.val: list[tuple[float, float]] = []
        self.total_epochs = 1

    def reset(self, total_epochs: int) -> None:
        self.train.clear()
        self.val.clear()
        self.total_epochs = max(1, total_epochs)
        self.revision += 1

    def add_train(self, x: float, loss: float) -> None:
        self.train.append((x, loss))
        self.revision += 1

    def add_val(self, x: float, loss: float) -> None:
        self.val.append((x, loss))
        self.revision += 1

    def show_history(self, train: list[float], val: list[float]) -> None:
        """A finished run's curves, one point per epoch (from a bundle's history)."""
        self.reset(max(len(train), len(val), 1))
        self.train.extend((i + 1, float(v)) for i, v in enumerate(train))
        self.val.extend((i + 1, float(v)) for i, v in enumerate(val))
        self.revision += 1

    def render(self) -> Text:
        if not self.train and not self.val:
            return Text(self.empty, style="dim")
        x_max = max(self.total_epochs, max(p[0] for p in self.train + self.val))
        series = (Series("train", self.train, TRAIN_MARK, "cyan"), Series("validation", self.val, VAL_MARK,
                                                                          "bold magenta"))
        return text_chart(series, max(10, self.content_size.width - 8), max(3, self.content_size.height),
                          x_max=x_max)
