// Added to FerretDB's internal/backends/sqlite package by skillpass deploy/local/infra.py; not upstream.
//
// FerretDB v1's SQLite backend pushes only `{_id: <scalar>}` (a filter of that one key) down to
// SQL; every other query reads and parses the whole collection. skillpass's hot paths are:
// revision-guarded updates `{_id, revision}`, batch lookups `{_id: {$in: [...]}}` and the outbox
// relay's `{outbox_pending: {$exists: true}}`. This pushes down exactly those shapes. Each
// pushed-down condition selects a superset of the matching documents (the handler still applies
// the whole filter), so results are unchanged; only the rows read are fewer. `->"field"` is the
// expression FerretDB's indexes are built on, so SQLite can use them.

package sqlite

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// skillpassMaxIn bounds the `$in` list pushed down (SQLite's variable limit is far above it).
const skillpassMaxIn = 1000

var skillpassPlainField = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// skillpassWhere returns the WHERE clause and its arguments for filter, or "" to read everything.
func skillpassWhere(filter *types.Document) (string, []any) {
	if filter == nil {
		return "", nil
	}

	if v, err := filter.Get("_id"); err == nil {
		return skillpassWhereID(v)
	}

	if filter.Len() != 1 {
		return "", nil
	}

	field := filter.Keys()[0]
	if !skillpassPlainField.MatchString(field) {
		return "", nil
	}

	cond, ok := must.NotFail(filter.Get(field)).(*types.Document)
	if !ok || cond.Len() != 1 {
		return "", nil
	}

	exists, err := cond.Get("$exists")
	if err != nil {
		return "", nil
	}

	if b, ok := exists.(bool); !ok || !b {
		return "", nil
	}

	// `->` yields the value's JSON text (never empty) or NULL when the field is absent; `>= ''`
	// is "present" in a form SQLite answers from an index on the same expression.
	return fmt.Sprintf(` WHERE %s->%q >= ''`, metadata.DefaultColumn, field), nil
}

func skillpassWhereID(v any) (string, []any) {
	switch v := v.(type) {
	case string, types.ObjectID:
		return fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn), []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}
	case *types.Document:
		if v.Len() != 1 {
			return "", nil
		}

		in, err := v.Get("$in")
		if err != nil {
			return "", nil
		}

		values, ok := in.(*types.Array)
		if !ok || values.Len() == 0 || values.Len() > skillpassMaxIn {
			return "", nil
		}

		args := make([]any, 0, values.Len())

		for i := 0; i < values.Len(); i++ {
			switch id := must.NotFail(values.Get(i)).(type) {
			case string, types.ObjectID:
				args = append(args, string(must.NotFail(sjson.MarshalSingleValue(id))))
			default:
				return "", nil
			}
		}

		return fmt.Sprintf(` WHERE %s IN (?%s)`, metadata.IDColumn, strings.Repeat(", ?", len(args)-1)), args
	}

	return "", nil
}
