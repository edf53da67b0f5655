// Package migrations embeds the PostgreSQL schema migrations so that the
// binary (and the distroless image, which has no shell or files to copy them
// from) always carries exactly the schema it was built for.
//
// Files follow golang-migrate naming: NNNN_name.up.sql / NNNN_name.down.sql.
// Never edit a migration that has shipped; add a new one.
package migrations

import "embed"

// FS holds every *.sql migration file.
//
//go:embed *.sql
var FS embed.FS
