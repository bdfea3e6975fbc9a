"""Object storage locations: URLs, the fsspec filesystem for each, and their failures as one line.

``s3://`` goes through s3fs (AWS S3 and S3-compatible stores such as MinIO), ``gs://`` through gcsfs and
``az://``/``abfs://`` through adlfs; each is an optional package (the ``fleet`` extra installs s3fs).
Credentials come from each library's standard chain (environment, profile files, instance roles); for
S3-compatible stores the endpoint is ``--endpoint-url`` or ``AWS_ENDPOINT_URL_S3``/``AWS_ENDPOINT_URL``.
What the fleet layout keeps under a location is in ``fleet.py``.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fwtui.errors import FwtuiError, UsageError
from fwtui.store.errors import StoreError
from fwtui.terminal_text import printable

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

# URL scheme -> (fsspec protocol, the package that provides it)
SCHEMES: dict[str, tuple[str, str]] = {
    "s3": ("s3", "s3fs"),
    "gs": ("gcs", "gcsfs"),
    "gcs": ("gcs", "gcsfs"),
    "az": ("abfs", "adlfs"),
    "abfs": ("abfs", "adlfs"),
}
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$")
_BUCKET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
_UNSAFE_IN_PREFIX = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]+")
# Botocore's failures, named rather than imported: botocore is only there when s3fs is.
_NO_CREDENTIALS = frozenset({"NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"})
_UNREACHABLE = frozenset({"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError",
                          "ClientConnectorError", "ServerDisconnectedError"})  # fmt: skip


def _quoted(text: str) -> str:
    """Typed text in a one-line message, quoted, with anything a terminal acts on shown escaped."""
    return f"'{printable(text, newlines=False, limit=200)}'"


def is_remote_url(text: str | os.PathLike[str] | None) -> bool:
    """Does ``text`` name an object-storage location (any ``scheme://`` but ``file://``)?"""
    if text is None or not isinstance(text, str):
        return False
    match = _URL.match(text)
    return bool(match) and match.group(1).lower() != "file"  # type: ignore[union-attr]


@dataclass(frozen=True)
class RemoteLocation:
    """A prefix in a bucket: ``scheme://bucket/prefix`` (the prefix has no leading or trailing slash)."""

    scheme: str
    bucket: str
    prefix: str
    endpoint_url: str | None = None

    @property
    def protocol(self) -> str:
        return SCHEMES[self.scheme][0]

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.bucket}/{self.prefix}".rstrip("/")

    def key(self, relative: str = "") -> str:
        """The fsspec path (bucket/prefix/relative) of something under the location."""
        parts = [self.bucket, self.prefix, relative.strip("/")]
        return "/".join(p for p in parts if p)

    def url_of(self, relative: str) -> str:
        """The full URL of something under the location, as DuckDB reads it through the registered filesystem."""
        return f"{self.protocol}://{self.key(relative)}"


def parse_remote(url: str, endpoint_url: str | None = None) -> RemoteLocation:
    """A location from ``scheme://bucket/prefix``; a malformed URL is a usage error (exit 2)."""
    match = _URL.match(url.strip())
    if match is None:
        raise UsageError(f"not an object-storage URL: {_quoted(url)} (expected s3://bucket/prefix)")
    scheme, rest = match.group(1).lower(), match.group(2)
    if scheme not in SCHEMES:
        known = ", ".join(f"{s}://" for s in SCHEMES)
        raise UsageError(f"unsupported URL scheme {scheme!r} in {_quoted(url)} (supported: {known})")
    bucket, _, prefix = rest.partition("/")
    if not _BUCKET.match(bucket):
        raise UsageError(f"no valid bucket name in {_quoted(url)} (expected {scheme}://bucket/prefix)")
    parts = [p for p in prefix.split("/") if p]
    if any(p in (".", "..") for p in parts) or any(_UNSAFE_IN_PREFIX.search(p) for p in parts):
        raise UsageError(f"the prefix of {_quoted(url)} has '.', '..' or control characters")
    endpoint = endpoint_url or (_endpoint_from_environment() if scheme == "s3" else None)
    if endpoint is not None:
        if scheme != "s3":
            raise UsageError("--endpoint-url applies to s3:// locations only")
        if not re.match(r"^https?://[^\s/]+", endpoint):
            raise UsageError(f"--endpoint-url must be an http(s) URL, got {_quoted(endpoint)}")
    return RemoteLocation(scheme, bucket, "/".join(parts), endpoint)


def _endpoint_from_environment() -> str | None:
    for name in ENDPOINT_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def open_filesystem(location: RemoteLocation) -> AbstractFileSystem:
    """The fsspec filesystem for ``location``, with credentials from the library's standard chain."""
    protocol, package = SCHEMES[location.scheme]
    try:
        import fsspec

        options: dict[str, object] = {"skip_instance_cache": True}
        if protocol == "s3":
            # Fail in seconds, not minutes, when the endpoint is wrong or down.
            options["config_kwargs"] = {
                "connect_timeout": 5,
                "read_timeout": 60,
                "retries": {"max_attempts": 2},
            }
            if location.endpoint_url:
                options["client_kwargs"] = {"endpoint_url": location.endpoint_url}
        fs = fsspec.filesystem(protocol, **options)
    except ImportError:
        raise FwtuiError(
            f"{location.scheme}:// needs the {package} package: pip install {package} "
            "(or pip install 'fwtui[fleet]' for s3://)"
        ) from None
    if protocol == "s3":
        fs.retries = 2  # s3fs's own retry loop on top of botocore's
    return fs


def describe_failure(location: RemoteLocation, exc: BaseException) -> str:
    """One line saying what went wrong with ``location``, for any failure of the storage library."""
    name = type(exc).__name__
    detail = printable(str(exc).splitlines()[0] if str(exc).strip() else name, newlines=False, limit=300)
    where = location.url
    if name in _NO_CREDENTIALS:
        return (
            f"{where}: no credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, "
            "or run where an instance role applies"
        )
    if isinstance(exc, PermissionError):
        return f"{where}: access denied ({detail}); check the credentials and the bucket's permissions"
    if isinstance(exc, FileNotFoundError) and "bucket" in detail.lower():
        return f"{where}: the bucket {location.bucket!r} does not exist"
    if isinstance(exc, FileNotFoundError):
        return f"{where}: not found ({detail})"
    if name in _UNREACHABLE or isinstance(exc, ConnectionError | TimeoutError):
        endpoint = location.endpoint_url or "the default endpoint"
        return f"{where}: cannot reach {endpoint} ({detail})"
    return f"{where}: {name}: {detail}"


@contextlib.contextmanager
def remote_errors(location: RemoteLocation, doing: str = "") -> Iterator[None]:
    """Turn any failure of the storage library inside the block into a one-line :class:`StoreError`."""
    try:
        yield
    except FwtuiError:
        raise
    except Exception as exc:  # the storage libraries raise many kinds; the user gets one line for each
        message = describe_failure(location, exc)
        raise StoreError(f"{doing}: {message}" if doing else message) from None
