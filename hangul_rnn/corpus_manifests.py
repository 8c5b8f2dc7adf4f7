"""What the built-in corpora are: the TOML manifests shipped in ``hangul_rnn.manifests`` (the source tree's
``corpora/``), parsed into frozen records. Adding a corpus is one manifest file; nothing here changes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from hangul_rnn.errors import CorpusError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

KINDS = ("labeled", "text")


@dataclass(frozen=True)
class KnownCopy:
    """A local copy that is known not to be the canonical file, and what it is instead (said in the warning)."""

    sha256: str
    note: str


@dataclass(frozen=True)
class Exclusion:
    """Documents a corpus must never yield: those whose id is in a column of another corpus's split.

    Why: nsmc-raw is the pool the NSMC splits were drawn from, so it holds every official test review; pretraining
    on it would leak the test set into a classifier fine-tuned from it. The rule is part of reading the corpus, so no
    caller can forget it, and reading refuses (rather than leaks) when the ids cannot be read.
    """

    corpus: str
    split: str
    id_column: str
    reason: str = ""


@dataclass(frozen=True)
class CorpusFile:
    """One file of a split: where to download it, what it must hash to, and which local names stand for it."""

    filename: str
    url: str | None = None
    size: int | None = None
    sha256: str | None = None
    local_names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    known_copies: tuple[KnownCopy, ...] = ()
    #: Set for ``text:``/``tsv:`` corpora: the user's own file, used as it is.
    local_path: Path | None = None


@dataclass(frozen=True)
class CorpusManifest:
    """What a manifest says about a corpus: provenance, licence, parse rules and its files per split."""

    name: str
    description: str
    licence: str
    kind: str
    cleaning: str
    splits: dict[str, tuple[CorpusFile, ...]]
    homepage: str | None = None
    sample: str | None = None
    has_header: bool | None = None
    text_column: str | int | None = None
    label_column: str | int | None = None
    label_names: tuple[str, ...] = ()  # names of labels 0, 1, ... (NSMC: negative, positive); empty: the ids
    id_column: str | None = None  # a TSV text corpus: the column of document ids (what an exclusion matches)
    exclude: Exclusion | None = None
    #: For a corpus with no single file to download: what a user does to get the local copy (said in the error).
    how_to_get: str | None = None

    def sample_path(self) -> Path | None:
        """The tiny real excerpt shipped with the package (for tests and examples), or None."""
        if self.sample is None:
            return None
        return Path(str(resources.files("hangul_rnn.manifests").joinpath(self.sample)))


def parse_manifest(data: dict, source: str) -> CorpusManifest:
    try:
        fmt = data.get("format", {})
        splits = {
            split: tuple(
                CorpusFile(
                    filename=f["filename"],
                    url=f.get("url"),
                    size=f.get("size"),
                    sha256=(f.get("sha256") or None) and f["sha256"].lower(),
                    local_names=tuple(f.get("local_names", ())),
                    aliases=tuple(f.get("aliases", ())),
                    known_copies=tuple(KnownCopy(k["sha256"].lower(), k["note"]) for k in f.get("known_copies", ())),
                )
                for f in files
            )
            for split, files in data["splits"].items()
        }
        manifest = CorpusManifest(
            name=data["name"],
            description=data["description"],
            licence=data["licence"],
            kind=data["kind"],
            cleaning=data["cleaning"],
            splits=splits,
            homepage=data.get("homepage"),
            sample=data.get("sample"),
            has_header=fmt.get("has_header"),
            text_column=fmt.get("text_column"),
            label_column=fmt.get("label_column"),
            label_names=tuple(str(n) for n in fmt.get("label_names", ())),
            id_column=fmt.get("id_column"),
            exclude=Exclusion(**data["exclude"]) if "exclude" in data else None,
            how_to_get=data.get("how_to_get"),
        )
    except (KeyError, TypeError) as exc:  # a broken manifest is a packaging bug, but say which one
        raise CorpusError(f"corpus manifest {source} is malformed: missing or wrong {exc}") from exc
    if manifest.kind not in KINDS:
        raise CorpusError(f"corpus manifest {source}: unknown kind {manifest.kind!r} (known: {', '.join(KINDS)})")
    return manifest


@lru_cache(maxsize=1)
def manifests() -> dict[str, CorpusManifest]:
    found: dict[str, CorpusManifest] = {}
    for entry in sorted(resources.files("hangul_rnn.manifests").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            manifest = parse_manifest(tomllib.loads(entry.read_text(encoding="utf-8")), entry.name)
            found[manifest.name] = manifest
    return found


def list_corpora() -> list[CorpusManifest]:
    """The built-in corpora, by name."""
    return list(manifests().values())
