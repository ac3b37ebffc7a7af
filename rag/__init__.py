"""公报问答: question answering over Chinese district bulletins."""

__version__ = "0.1.0"
