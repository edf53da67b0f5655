// Package tests holds a fast test per construct package — its props checks report every
// problem at once, and its defaults are the safe choice — without synthesizing an app.
// They share one package, and so one test binary and one jsii runtime: each test binary
// of the CDK module links about 100 MB (2.3 s measured on the 2-core CI machine), and a
// binary per construct package would cost more than all these tests take to run.
package tests

import (
	"os"
	"testing"

	"github.com/garcon/infrastructure/internal/cdktest"
)

func TestMain(m *testing.M) { os.Exit(cdktest.TestMain(m)) }
