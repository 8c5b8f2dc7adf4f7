"""A small live line chart of training and validation loss, drawn with text so it works in any terminal.

Textual has a Sparkline but no two-series chart with axes; a loss curve needs both series on one scale to show
over-fitting (validation loss turning up while training loss still falls), so this widget draws them together.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

TRAIN_MARK = "•"
VAL_MARK = "◆"


class LossChart(Widget):
    """Training loss per batch (x = progress through training) and validation loss per epoch on one y scale."""

    DEFAULT_CSS = """
    LossChart { height: 10; min-height: 6; border: round $primary-darken-1; padding: 0 1; }
    """

    revision: reactive[int] = reactive(0)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = f"loss  [b]{TRAIN_MARK}[/] train  [b]{VAL_MARK}[/] validation"
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

    def render(self) -> Text:
        width = max(10, self.content_size.width - 8)
        height = max(3, self.content_size.height)
        points = self.train + self.val
        if not points:
            return Text("no training yet — start a run to see its loss here", style="dim")
        losses = [p[1] for p in points]
        low, high = min(losses), max(losses)
        if high - low < 1e-9:
            high = low + 1e-3
        x_max = max(self.total_epochs, max(p[0] for p in points))
        grid = [[" "] * width for _ in range(height)]
        styles = [[""] * width for _ in range(height)]

        def put(series: list[tuple[float, float]], mark: str, style: str) -> None:
            for x, y in series:
                col = min(width - 1, int(x / x_max * (width - 1)))
                row = height - 1 - int((y - low) / (high - low) * (height - 1))
                grid[row][col] = mark
                styles[row][col] = style

        put(self.train, TRAIN_MARK, "cyan")
        put(self.val, VAL_MARK, "bold magenta")
        text = Text()
        for r in range(height):
            label = high - (high - low) * r / (height - 1)
            text.append(f"{label:6.3f} ", style="dim")
            for c in range(width):
                text.append(grid[r][c], style=styles[r][c] or None)
            if r < height - 1:
                text.append("\n")
        return text
