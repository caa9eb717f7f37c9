"""Matrix adapter (matrix-nio). Imported only when ``[matrix] enabled = true``."""

from bot.adapters.matrix.adapter import MatrixAdapter

__all__ = ["MatrixAdapter"]
