"""Utilities in the places PyTorch keeps them: ``tinynet.utils.data`` (datasets and loaders)."""

from tinynet.utils import data

__all__ = ["data"]
