"""Limits checked before anything executes: depth, aliases, tokens, and the cost of connections.

The cost rule multiplies the page sizes (`first`, default and cap below) of nested connection
fields: `wallet { holdings(first: 100) { edges { node { ... } } } }` costs 100; a connection in a
connection multiplies. A document over the budget is rejected at validation, so a hostile query
never reaches a backend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

DEFAULT_PAGE = 20
MAX_PAGE = 100


def page_size(first: int | None) -> int:
    """The page size a connection serves for ``first`` (resolvers and the cost rule agree)."""
    if first is None:
        return DEFAULT_PAGE
    return max(0, min(first, MAX_PAGE))


def _literal_first(field: FieldNode) -> int | None:
    """The literal ``first`` argument; a variable (unknown at validation time) counts as the cap."""
    for argument in field.arguments or ():
        if argument.name.value == "first" and isinstance(argument.value, IntValueNode):
            return int(argument.value.value)
    return None


def connection_cost_rule(max_cost: int, connection_fields: frozenset[str]) -> type[ValidationRule]:
    class ConnectionCost(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            for definition in document.definitions:
                if isinstance(definition, OperationDefinitionNode):
                    cost = self._cost(definition.selection_set, fragments, 1, frozenset())
                    if cost > max_cost:
                        context.report_error(
                            GraphQLError(
                                f"query cost {cost} exceeds the limit of {max_cost}; "
                                f"ask for smaller pages (first ≤ {MAX_PAGE})",
                                extensions={"code": "QUERY_TOO_COSTLY"},
                            )
                        )

        def _cost(
            self,
            selections: SelectionSetNode | None,
            fragments: Mapping[str, FragmentDefinitionNode],
            multiplier: int,
            seen: frozenset[str],
        ) -> int:
            if selections is None:
                return 0
            total = 0
            for selection in selections.selections:
                if isinstance(selection, FieldNode):
                    factor = multiplier
                    if selection.name.value in connection_fields:
                        first = _literal_first(selection)
                        factor = multiplier * (page_size(first) if first is not None else MAX_PAGE)
                        total += factor
                    total += self._cost(selection.selection_set, fragments, factor, seen)
                elif isinstance(selection, InlineFragmentNode):
                    total += self._cost(selection.selection_set, fragments, multiplier, seen)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    if name in seen or name not in fragments:
                        continue  # cycles are reported by graphql's own rules
                    total += self._cost(
                        fragments[name].selection_set, fragments, multiplier, seen | {name}
                    )
            return total

    return ConnectionCost


ExtensionFactory = Callable[[], SchemaExtension]


def limit_extensions(
    *,
    max_depth: int,
    max_aliases: int,
    max_tokens: int,
    max_cost: int,
    connection_fields: frozenset[str],
) -> list[ExtensionFactory]:
    """Factories (Strawberry builds extensions per request)."""
    cost = connection_cost_rule(max_cost, connection_fields)
    return [
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: QueryDepthLimiter(max_depth=max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
        lambda: AddValidationRules([cost]),
    ]
