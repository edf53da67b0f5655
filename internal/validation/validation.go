// Package validation lets constructs check their props before creating anything and fail
// with one error that lists every problem, naming the construct path and the prop — the
// Go counterpart of aws-cdk's ValidationError, in the errors.Join style of
// config.Validate. A construct calls Check at the top of its New:
//
//	p := validation.For(scope, id)
//	p.Require(props.Vpc != nil, "Vpc", "is required")
//	p.Check() // panics with *validation.Error when anything was reported
//
// main.go turns that panic into a message and exit code 1 before anything is written.
package validation

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
)

// Problems collects the prop problems of one construct.
type Problems struct {
	path     string
	problems []string
}

// For starts the checks of the construct id about to be created in scope.
func For(scope constructs.Construct, id string) *Problems {
	path := id
	if scope != nil {
		if parent := *scope.Node().Path(); parent != "" {
			path = parent + "/" + id
		}
	}
	return &Problems{path: path}
}

// Addf records a problem of prop; the message should say what is wrong and what is allowed.
func (p *Problems) Addf(prop, format string, args ...any) {
	p.problems = append(p.problems, prop+": "+fmt.Sprintf(format, args...))
}

// Require records "prop: message" unless ok.
func (p *Problems) Require(ok bool, prop, message string) {
	if !ok {
		p.problems = append(p.problems, prop+": "+message)
	}
}

// Err returns the problems as an *Error, or nil when there are none.
func (p *Problems) Err() error {
	if len(p.problems) == 0 {
		return nil
	}
	return &Error{Path: p.path, Problems: append([]string(nil), p.problems...)}
}

// Check panics with an *Error when any problem was recorded. Constructs call it before
// creating anything, so a misused construct never leaves a half-built tree behind.
func (p *Problems) Check() {
	if err := p.Err(); err != nil {
		panic(err)
	}
}

// Error lists every problem of one construct's props.
type Error struct {
	// Path is the construct path, e.g. "Staging/Data/Cache".
	Path string
	// Problems are "<prop>: <what is wrong; what is allowed>" lines.
	Problems []string
}

// Error implements error: one line per problem, each naming the construct path.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, problem := range e.Problems {
		lines[i] = e.Path + ": " + problem
	}
	return strings.Join(lines, "\n")
}

// FromPanic returns the *Error a construct's Check panicked with, or nil when recovered
// is something else (which the caller should re-panic).
func FromPanic(recovered any) *Error {
	err, ok := recovered.(error)
	if !ok {
		return nil
	}
	var target *Error
	if errors.As(err, &target) {
		return target
	}
	return nil
}
