"""Dashboard counters, bumped in the same transaction as each case step (workflow.stats).

Two shapes, for the two ways the dashboard reads them:

* Per *leaf region* (a case's own region): the current status counts and the day's outcomes.
  Each row carries the region's path beside its id, so a subtree's figure is a SUM over the
  rows whose path lies in the subtree's prefix range, and the map reads its grids' own rows.
* Per region *and each of its ancestors*, for the breakdowns by category, source channel and
  department: summing those over a big subtree would read regions × days × categories rows,
  so each step adds to the row of every region on its path instead (a grid's case counts in
  its grid, community, street, city and prefecture), and a dashboard reads only its own
  region's rows: days × categories.

Days are the city's local dates as YYYYMMDD integers (20261102), which compare, sort and bind
alike on every database. The unique key of every table (which the upserts need) is also the
index the dashboard reads through. Region, department and category ids are plain integers,
not foreign keys: these are counters derived from the cases, not facts of their own, and a
write should not pay for the checks.
"""

from tortoise import fields

from .base import Model
from .enums import CaseStatus, Source
from .fields import RegionPathField

# The metrics of a region's day and of a department's day, in column order.
DAY_METRICS = (
    "reported",  # cases reported
    "closed",  # cases that entered CLOSED (a reopened case closes again and counts again)
    "resolved",  # RESOLVED steps, on time or not
    "resolved_on_time",
    "resolve_seconds",  # sum over RESOLVED steps of (resolved at − reported at)
    "responses_due",  # summoned departments that answered, or went silent until escalation
    "responses_on_time",
    "claims",  # claims made (the count behind the mean time to claim)
    "claim_seconds",  # sum over claims of (claimed at − whistled at)
    "ratings",
    "ratings_satisfied",  # SATISFIED or BASICALLY_SATISFIED
)
DEPARTMENT_METRICS = tuple(m for m in DAY_METRICS if m not in ("reported", "closed"))


class StatusCount(Model):
    """How many cases of a leaf region are in each status now."""

    id = fields.IntField(primary_key=True)
    region_path = RegionPathField()
    region_id = fields.IntField()
    status = fields.CharEnumField(CaseStatus, max_length=16)
    n = fields.BigIntField(default=0)

    class Meta:
        table = "stat_status"
        unique_together = (("region_path", "region_id", "status"),)


class RegionDay(Model):
    """A leaf region's outcomes on one local day."""

    id = fields.IntField(primary_key=True)
    day = fields.IntField()
    region_path = RegionPathField()
    region_id = fields.IntField()
    reported = fields.IntField(default=0)
    closed = fields.IntField(default=0)
    resolved = fields.IntField(default=0)
    resolved_on_time = fields.IntField(default=0)
    resolve_seconds = fields.BigIntField(default=0)
    responses_due = fields.IntField(default=0)
    responses_on_time = fields.IntField(default=0)
    claims = fields.IntField(default=0)
    claim_seconds = fields.BigIntField(default=0)
    ratings = fields.IntField(default=0)
    ratings_satisfied = fields.IntField(default=0)

    class Meta:
        table = "stat_region_day"
        unique_together = (("day", "region_path", "region_id"),)


class DepartmentDay(Model):
    """A department's outcomes on one local day, for the cases of a region (and so once for
    each region on the case's path): how it served that region, for the ranking."""

    id = fields.IntField(primary_key=True)
    day = fields.IntField()
    region_path = RegionPathField()
    region_id = fields.IntField()
    department_id = fields.IntField()
    resolved = fields.IntField(default=0)
    resolved_on_time = fields.IntField(default=0)
    resolve_seconds = fields.BigIntField(default=0)
    responses_due = fields.IntField(default=0)
    responses_on_time = fields.IntField(default=0)
    claims = fields.IntField(default=0)
    claim_seconds = fields.BigIntField(default=0)
    ratings = fields.IntField(default=0)
    ratings_satisfied = fields.IntField(default=0)

    class Meta:
        table = "stat_department_day"
        unique_together = (("region_id", "day", "department_id"),)


class CategoryDay(Model):
    """Cases reported in a region (any level) on one local day, by category."""

    id = fields.IntField(primary_key=True)
    day = fields.IntField()
    region_path = RegionPathField()
    region_id = fields.IntField()
    category_id = fields.IntField()
    n = fields.IntField(default=0)

    class Meta:
        table = "stat_category_day"
        unique_together = (("region_id", "day", "category_id"),)


class SourceDay(Model):
    """Cases reported in a region (any level) on one local day, by source channel."""

    id = fields.IntField(primary_key=True)
    day = fields.IntField()
    region_path = RegionPathField()
    region_id = fields.IntField()
    source = fields.CharEnumField(Source, max_length=24)
    n = fields.IntField(default=0)

    class Meta:
        table = "stat_source_day"
        unique_together = (("region_id", "day", "source"),)
