"""The shapes the web app shows: one set of pydantic models read by the pages and returned
by the API, so a page and its API call can never describe the same thing differently, and
the OpenAPI document is generated from exactly what is sent."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from evidencia.accounts import MAX_PASSWORD, MIN_PASSWORD
from evidencia.search.hits import Hit

T = TypeVar("T")


def _utc(value: datetime) -> datetime:
    """The store writes UTC and SQLite hands it back without its zone: say which, so the
    JSON is an RFC 3339 ``date-time`` (``...Z``) as the OpenAPI document promises."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


#: a moment in time, always with its zone
Moment = Annotated[datetime, AfterValidator(_utc)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(_Model):
    code: str = Field(description="A stable, machine-readable name of the error.")
    message: str = Field(description="What went wrong, for a person.")
    details: list[dict[str, Any]] | None = Field(
        default=None, description="Per-field problems of an invalid request."
    )


class ErrorBody(_Model):
    """Every API error has this shape, whatever its status."""

    error: ErrorDetail


class Page(_Model, Generic[T]):
    """One page of a longer list. ``total`` counts only what the caller may see."""

    total: int
    offset: int
    limit: int
    next_offset: int | None = Field(description="The offset of the next page; null on the last.")
    items: list[T]


class Count(_Model):
    value: str
    label: str | None = None
    count: int


class DocumentSummary(_Model):
    id: int
    title: str
    doc_type: str
    language: str | None
    languages: list[str]
    access: str
    published: date | None
    organisation: str | None
    page_count: int | None
    passages: int
    created_at: Moment
    url: str


class FootnoteOut(_Model):
    id: int
    label: str
    text: str
    page: int | None


class NoteRef(_Model):
    """A footnote as cited by a passage."""

    label: str
    text: str


class PassageOut(_Model):
    id: int
    document_id: int
    order: int
    page: int | None
    heading_path: list[str]
    text: str
    language: str | None
    footnotes: list[NoteRef]
    countries: list[str]
    instruments: list[str]
    themes: list[str]
    url: str = Field(description="The passage in its document's page (an anchor).")


class LinkedDocument(_Model):
    id: int
    title: str
    kind: str
    similarity: float
    url: str


class Resubmission(_Model):
    """The same file brought in again later: kept as an ingestion record, not a document."""

    file: str
    at: Moment


class Tag(_Model):
    key: str
    label: str
    count: int


class DocumentDetail(DocumentSummary):
    mime: str
    size_bytes: int
    sha256: str
    file: str = Field(description="The original file's name.")
    original_url: str
    tags: dict[str, list[Tag]] = Field(
        description="What the enrichers found, by enricher/kind (all legal instruments "
        "under 'instruments'), most frequent first."
    )
    versions: list[LinkedDocument]
    resubmissions: list[Resubmission]
    footnotes: list[FootnoteOut]


class HitOut(_Model):
    passage_id: int
    document_id: int
    title: str
    page: int | None
    heading_path: list[str]
    text: str
    snippet: str = Field(description="Passage text with the query's words in <mark> tags.")
    score: float = Field(
        description="Higher is better: cosine (semantic), fused places (hybrid), BM25 "
        "(lexical, for admins) or 1/place (lexical, for anyone else: BM25 figures depend on "
        "every stored passage, those the caller may not see included)."
    )
    language: str | None
    doc_type: str
    access: str
    footnotes: list[NoteRef]
    also_in: list[int] = Field(description="Other documents holding the same passage.")
    countries: list[str]
    themes: list[str]
    instruments: list[str]
    url: str

    @classmethod
    def of(cls, hit: Hit) -> HitOut:
        return cls(
            **{k: v for k, v in hit.as_json().items() if k != "footnotes"},
            footnotes=[NoteRef(label=f["label"], text=f["text"]) for f in hit.footnotes],
            url=f"/documents/{hit.document_id}#p-{hit.passage_id}",
        )


class FacetValue(_Model):
    value: str
    count: int


class SearchResult(_Model):
    query: str
    mode: Literal["hybrid", "lexical", "semantic", "browse"] = Field(
        description="'browse' lists passages in the filters when there is no query."
    )
    filters: dict[str, list[str] | str]
    offset: int
    limit: int
    total: int | None = Field(
        description="Passages containing the query's words (or passing the filters, when "
        "browsing) that the caller may see; null when only meaning matched."
    )
    next_offset: int | None
    hits: list[HitOut]
    facets: dict[str, list[FacetValue]] | None = None
    notices: list[str] = Field(default_factory=list)


class IngestionOut(_Model):
    id: int
    file: str
    status: str
    error: str | None
    reader: str | None
    document_id: int | None
    passages: int
    started_at: Moment
    finished_at: Moment | None


class Overview(_Model):
    documents: int
    passages: int
    by_type: list[Count]
    by_language: list[Count]
    by_country: list[Count] = Field(description="Documents mentioning each country.")
    by_theme: list[Count] = Field(description="Passages tagged with each theme.")
    recent: list[DocumentSummary]
    failures: list[IngestionOut] | None = Field(
        description="Recent failed files; null when the caller may not see the ingestion log."
    )


class FrameworkNodeOut(_Model):
    id: str
    kind: str
    title: str
    description: str = ""
    passages: int = Field(description="Evidence passages tagged with this node or below it.")
    children: list[FrameworkNodeOut] = Field(default_factory=list)


class FrameworkOut(_Model):
    id: str
    title: str
    goal: str
    themes: list[FrameworkNodeOut]
    areas: list[FrameworkNodeOut]


class CountryCount(_Model):
    code: str
    name: str
    passages: int
    documents: int
    url: str


class CountryTheme(_Model):
    theme: str
    title: str
    passages: int
    hits: list[HitOut]


class CountryDocument(_Model):
    document: DocumentSummary
    mentions: int = Field(description="Passages of the document about the country.")


class CountryView(_Model):
    code: str
    name: str
    passages: int
    documents: list[CountryDocument]
    themes: list[CountryTheme]
    instruments: list[Count]
    recent: list[HitOut] = Field(description="Passages about the country, newest documents first.")


class UserOut(_Model):
    id: int
    email: str
    name: str | None
    role: str
    organisation: str | None
    active: bool
    created_at: Moment
    last_login_at: Moment | None


class NewUser(_Model):
    email: str = Field(
        min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$", description="Their address."
    )
    password: str = Field(
        min_length=1,
        max_length=MAX_PASSWORD,
        description=f"At least {MIN_PASSWORD} characters (refused with 400 otherwise).",
    )
    role: Literal["admin", "staff", "member"]
    organisation: str | None = Field(
        default=None,
        max_length=200,
        description="An existing organisation's name; members must have one, staff default "
        "to the network's own.",
    )
    name: str | None = Field(default=None, max_length=200)


class OrganisationOut(_Model):
    id: int
    name: str
    country: str | None


class NewOrganisation(_Model):
    name: str = Field(min_length=1, max_length=200)
    country: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{2}$", description="Two-letter ISO code, e.g. BE."
    )


class TokenOut(_Model):
    id: int
    label: str
    created_at: Moment
    last_used_at: Moment | None


class NewToken(_Model):
    label: str = Field(min_length=1, max_length=100, description="What the token is for.")


class IssuedToken(_Model):
    id: int
    label: str
    token: str = Field(description="Shown once: keep it, it cannot be read again.")


class MeOut(_Model):
    logged_in: bool
    email: str | None
    name: str | None
    role: str
    organisation: str | None
    via: Literal["cookie", "token"] | None


class FileStatus(_Model):
    name: str
    status: Literal["queued", "running", "ok", "duplicate", "failed"]
    document_id: int | None = None
    passages: int = 0
    error: str | None = None
    url: str | None = None
    retry_url: str | None = Field(default=None, description="Where to send a failed file again.")


class UploadBatch(_Model):
    id: str
    done: bool
    access: str
    organisation: str | None
    files: list[FileStatus]


# ------------------------------------------------------------------ reviewing tags

TagStatus = Literal["suggested", "accepted", "rejected", "removed"]


class ReviewItem(_Model):
    """One theme or outcome tag of one passage, with the passage it is about: a row of the
    review queue, and what a decision on it leaves."""

    passage_id: int
    document_id: int
    document_title: str
    page: int | None
    heading_path: list[str]
    text: str
    kind: str = Field(description="'theme' or 'outcome'.")
    key: str = Field(description="The framework id of the theme or outcome.")
    label: str = Field(description="Its title in the framework.")
    theme: str | None = Field(description="The theme an outcome belongs to; null for a theme.")
    score: float | None = Field(
        description="The tagger's confidence (0-1); null when a person added it."
    )
    origin: str = Field(
        description="What suggested it: 'model:<version>', 'rule:<id>', or a person."
    )
    status: TagStatus = Field(
        description="'suggested' (waiting for a decision), 'accepted', 'rejected', or "
        "'removed' (it went with its theme, rejected)."
    )
    url: str = Field(description="The passage in its document's page (an anchor).")


class PassageTagOut(_Model):
    key: str
    kind: str
    label: str
    score: float | None
    origin: str
    status: TagStatus


class DecisionIn(_Model):
    passage_id: int = Field(ge=1, le=2**63 - 1)
    key: str = Field(min_length=1, max_length=200, description="A theme or outcome id.")
    decision: Literal["accepted", "rejected"]


class DecisionResult(_Model):
    passage_id: int
    key: str
    decision: Literal["accepted", "rejected"]
    ok: bool
    status: TagStatus | None = Field(
        description="The tag's status after the decision; null when it was not recorded."
    )
    error: ErrorDetail | None = Field(
        default=None,
        description="Why this decision was not recorded: 'not_found' (no such passage, or "
        "one the caller may not see) or 'bad_decision' (a key the framework lacks).",
    )


class DecisionsOut(_Model):
    """Each decision's result, in the order sent; each is recorded on its own, so one
    refused decision does not undo the others."""

    accepted: int
    rejected: int
    failed: int
    results: list[DecisionResult]


class HeldOut(_Model):
    micro_f1: float
    macro_f1: float


class TaggerVersionOut(_Model):
    version: str
    trained_at: str | None
    replaces: str | None
    held_out: HeldOut | None = Field(description="Theme F1 on the examples it never saw.")
    current: bool
    packaged: bool = Field(description="The tagger shipped with Evidencia.")


class TaggerJobOut(_Model):
    """A retrain (then a re-tagging of the stored passages) or a rollback (then a
    re-tagging), run in the background, one at a time."""

    id: str
    kind: Literal["train", "rollback"]
    state: Literal["running", "done", "failed", "cancelled"]
    phase: str = Field(
        description="What it is doing: 'starting', 'embedding examples', 'fitting', "
        "'tagging' or 'finished'."
    )
    done: int
    total: int
    started_at: Moment
    finished_at: Moment | None
    version: str | None = Field(description="The version trained, or the one rolled back to.")
    replaced: str | None = Field(description="The version in use when the job started.")
    promoted: bool | None = Field(
        description="Whether the new version replaced the one in use (a retrain that is "
        "worse on held-out examples is not kept)."
    )
    reason: str | None
    held_out: HeldOut | None = Field(description="The new version's held-out figures.")
    before: HeldOut | None = Field(
        description="The version in use before, on the same held-out examples (null when "
        "they cannot be compared)."
    )
    tagged_documents: int
    error: str | None
    url: str


class TaggerStatus(_Model):
    current: str = Field(description="The version in use.")
    versions: list[TaggerVersionOut] = Field(description="Newest first; the packaged one last.")
    job: TaggerJobOut | None = Field(description="The latest job, running or finished.")


class AuditEntryOut(_Model):
    """One entry of the audit log: who did what to which document, never its content."""

    id: int
    at: Moment
    actor: str = Field(description="The account's email address, 'anonymous', or 'cli:<user>'.")
    user_id: int | None
    action: str = Field(
        description="view, download, export, search_hit, access_change, erase, "
        "key_rotation or subject_export."
    )
    document_id: int | None
    detail: dict[str, Any] = Field(description="Numbers and names only (passages shown, ...).")
    hash: str = Field(description="SHA-256 over this entry and the previous entry's hash.")


class AuditVerification(_Model):
    ok: bool = Field(description="The chain is whole and ends where its head says.")
    entries: int
    problems: list[str]


class SubjectDocument(_Model):
    id: int
    title: str
    type: str
    access: str
    created_at: Moment


class SubjectPassage(_Model):
    id: int
    page: int | None
    heading_path: list[str]
    text: str


class SubjectFootnote(_Model):
    id: int
    label: str
    text: str


class SubjectExportOut(_Model):
    """Everything held about one pseudonymised person within one document."""

    document: SubjectDocument
    pseudonym: str
    stands_for: list[str] = Field(description="What the pseudonym replaced in the original.")
    passages: list[SubjectPassage] = Field(description="Every passage that mentions it.")
    footnotes: list[SubjectFootnote] = Field(description="Every footnote that mentions it.")
