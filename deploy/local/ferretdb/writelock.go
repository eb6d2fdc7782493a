// Added to FerretDB's internal/handler package by skillpass deploy/local/infra.py; not upstream.
//
// FerretDB v1 runs update, findAndModify and delete as "query, change in Go, write back by _id"
// without a transaction around the two steps (upstream issue #3040), so two concurrent `$inc`s or
// `$push`es on one document lose one of them. skillpass relies on single-document atomicity
// (outbox events and processed-message ids live in the aggregate's document), so the local
// server serialises these read-modify-write commands. Reads and inserts stay concurrent.

package handler

import "sync"

var skillpassWriteMu sync.Mutex
