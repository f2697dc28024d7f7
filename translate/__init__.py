"""Documents in, English out: preparation, model registry, translation backends and cache."""

from translate.document import Document, Dropped, Sentence
from translate.errors import InputError, ModelNotFoundError, XlingError

__all__ = ["Document", "Dropped", "Sentence", "InputError", "ModelNotFoundError", "XlingError"]
