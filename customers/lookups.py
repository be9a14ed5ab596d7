from __future__ import annotations

from django.db.models import CharField, Lookup, TextField


class ILike(Lookup):
    """`field__ilike="%frag%"`: PostgreSQL's ILIKE, which a pg_trgm GIN index on the bare
    column serves. Django's `icontains` compiles to UPPER(col) LIKE UPPER(...), which it can't.
    The caller supplies the wildcards and escapes the value."""

    lookup_name = "ilike"

    def as_sql(self, compiler, connection):  # noqa: ANN001, ANN201 (Django's signature)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def escape_like(value: str) -> str:
    """Return the value with LIKE's wildcards and escape character taken literally."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


CharField.register_lookup(ILike)
TextField.register_lookup(ILike)
