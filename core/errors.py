"""One exception root for everything a Parley user can meet.

Every error says what happened (the message) and what to do about it (the hint),
so the CLI and the GUI can show it in one line without a traceback.
"""

from __future__ import annotations


class ParleyError(Exception):
    """Root of every error Parley raises on purpose."""

    hint: str = ""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    def user_message(self) -> str:
        """Return the message and the hint as one line for a person to read."""
        text = str(self)
        return f"{text} — {self.hint}" if self.hint else text


def describe(exc: BaseException) -> str:
    """Return one line for a person about any exception: a ParleyError's message and hint, else its type and text."""
    return exc.user_message() if isinstance(exc, ParleyError) else f"{type(exc).__name__}: {exc}"


class AudioError(ParleyError):
    """A recording could not be read."""

    hint = "Check that the file is a complete audio or video recording."


class AudioNotFoundError(AudioError):
    hint = "Check the path; the file may have been moved or deleted."


class UnsupportedAudioError(AudioError):
    hint = "Convert it to WAV, FLAC, MP3, OGG/Opus or M4A and try again."


class CorruptAudioError(AudioError):
    hint = "The file is damaged or truncated; export it again from its source."


class EmptyAudioError(AudioError):
    hint = "Choose a recording with sound in it; this one may have been saved before anything was recorded."


class ModelError(ParleyError):
    """A speech or speaker model could not be found, built or loaded."""

    hint = "Use one of the embedded models (tiny.en, base) or a CTranslate2 model directory."


class DeviceError(ParleyError):
    """An audio input device is missing, busy or unplugged."""

    hint = "Plug the microphone in or choose another input device."


class StoreError(ParleyError):
    """The conversation library could not be read or written."""

    hint = "Check that the library file is not damaged and that the disk has free space."


def disk_hint(exc: OSError) -> str:
    """Return what to do about a failed write to Parley's data folder, from the OS error's cause."""
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "Free some disk space and try again."
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "Make the data folder writable, or choose another data location (or set PARLEY_HOME)."
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return "A file stands where a folder should be; choose another data location (or set PARLEY_HOME)."
    return StoreError.hint


class DiskFullError(StoreError):
    """The disk holding the library is full: nothing could be written, everything written before is intact."""

    hint = "Free some disk space and try again."


class NotFoundError(StoreError):
    """A conversation, speaker or job id does not exist."""

    hint = "List what exists with `parley conversations list` or `parley queue list`."


class JobError(ParleyError):
    """A background transcription job failed or cannot be changed."""

    hint = "See `parley queue list` for the job's state and error message."


class Canceled(ParleyError):
    """The user canceled a long operation; callers accept it quietly."""

    hint = ""


class SecretStoreError(ParleyError):
    """The OS keyring is missing or refused to store a secret."""

    hint = "Install and unlock a keyring (GNOME Keyring, KWallet, macOS Keychain, Windows Credential Manager)."


class ExportError(ParleyError):
    """A transcript could not be exported."""

    hint = "Choose another format or a writable output path."
