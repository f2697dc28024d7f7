"""Documents in, English out: preparation, model registry, translation backends and cache."""

from translate.document import Document, Dropped, Sentence
from translate.errors import InputError, ModelNotFoundError, XlingError
from translate.langid import detect_language
from translate.normalize import normalize_text
from translate.prepare import load_document, load_documents, prepare_text
from translate.reading import read_text

__all__ = [
    "Document", "Dropped", "Sentence", "InputError", "ModelNotFoundError", "XlingError", "Translator",
    "detect_language", "normalize_text", "load_document", "load_documents", "prepare_text", "read_text",
]


def __getattr__(name: str):
    """Import the Translator on first use, so `import translate` does not load torch."""
    if name == "Translator":
        from translate.translator import Translator

        return Translator
    raise AttributeError(f"module 'translate' has no attribute {name!r}")
