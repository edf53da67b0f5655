package main

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/garcon/infrastructure/config"
	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// Assumptions are what the templates cannot say about one environment: its usage and the
// region that usage-level lines (logs, S3) are priced in.
type Assumptions struct {
	// Usage is the environment's monthly usage (config.Environment.Usage).
	Usage config.Usage
	// PrimaryRegion prices the environment-wide usage lines (config.Environment.Region).
	PrimaryRegion string
}

// Line is the monthly cost of one resource, or of one environment-wide usage assumption.
type Line struct {
	// Stack is the stack's display name ("Staging/Data"), or "<Env> (usage)" for
	// environment-wide usage lines.
	Stack string
	// LogicalID is the resource's logical id, or the usage line's name.
	LogicalID string
	// Type is the CloudFormation type, or "usage" for environment-wide lines.
	Type string
	// Monthly is the estimated monthly cost in USD.
	Monthly float64
	// Basis explains the figure: quantities, unit prices and assumptions.
	Basis string
}

// Key identifies a line across two estimates (for --compare).
func (l Line) Key() string { return l.Stack + "\x00" + l.LogicalID }

// TypeCount counts the resources of one type that a category holds, with the reason.
type TypeCount struct {
	Type   string
	Count  int
	Reason string
	// Resources lists "stack/logicalID" for not-priced resources, so they can be found.
	Resources []string
}

// EnvEstimate is the estimate of one environment.
type EnvEstimate struct {
	// Name is the environment (CDK stage) name, e.g. "Staging".
	Name string
	// Assumptions are the usage values the estimate used.
	Assumptions Assumptions
	// Lines are the resource lines sorted by stack, then logical id, followed by the
	// environment-wide usage lines.
	Lines []Line
	// NotPriced are resources the estimate has no price for: never counted as zero.
	NotPriced []TypeCount
	// Free are resource types that cost nothing by themselves.
	Free []TypeCount
	// Elsewhere are resource types whose cost is in another line (e.g. buckets in the S3 line).
	Elsewhere []TypeCount
}

// Total is the environment's monthly total.
func (e EnvEstimate) Total() float64 {
	var t float64
	for _, l := range e.Lines {
		t += l.Monthly
	}
	return t
}

// StackTotal is the monthly total of one stack.
type StackTotal struct {
	Stack   string
	Monthly float64
}

// StackTotals returns the total of each stack, in stack order.
func (e EnvEstimate) StackTotals() []StackTotal {
	var out []StackTotal
	for _, l := range e.Lines {
		if n := len(out); n > 0 && out[n-1].Stack == l.Stack {
			out[n-1].Monthly += l.Monthly
			continue
		}
		out = append(out, StackTotal{Stack: l.Stack, Monthly: l.Monthly})
	}
	return out
}

// Largest returns the n most expensive lines, most expensive first (ties by key).
func (e EnvEstimate) Largest(n int) []Line {
	lines := append([]Line(nil), e.Lines...)
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Monthly > lines[j].Monthly })
	if len(lines) > n {
		lines = lines[:n]
	}
	return lines
}

// Estimate is the estimate of every environment of an assembly.
type Estimate struct {
	// Envs are sorted by name.
	Envs []EnvEstimate
	// Derived lists the derived prices the estimate used, sorted.
	Derived []DerivedPrice
}

// Env returns the estimate of the named environment, or nil.
func (e *Estimate) Env(name string) *EnvEstimate {
	for i := range e.Envs {
		if e.Envs[i].Name == name {
			return &e.Envs[i]
		}
	}
	return nil
}

// Run prices every resource of every stack of asm. assumptions maps stage names
// ("Staging") to their usage; an environment without assumptions is an error, since its
// usage-based lines would otherwise read as zero.
func Run(asm *cloudassembly.Assembly, prices *PriceTable, assumptions map[string]Assumptions) (*Estimate, error) {
	est := &Estimate{}
	derived := map[string]DerivedPrice{}
	for _, env := range asm.Environments() {
		a, ok := assumptions[env]
		if !ok {
			return nil, fmt.Errorf("environment %q of the assembly has no usage assumptions (config.All() has no environment with StageName %q)", env, env)
		}
		e, err := estimateEnv(asm, prices, env, a, derived)
		if err != nil {
			return nil, err
		}
		est.Envs = append(est.Envs, e)
	}
	for _, d := range derived {
		est.Derived = append(est.Derived, d)
	}
	sort.Slice(est.Derived, func(i, j int) bool {
		if est.Derived[i].Region != est.Derived[j].Region {
			return est.Derived[i].Region < est.Derived[j].Region
		}
		return est.Derived[i].Key < est.Derived[j].Key
	})
	return est, nil
}

// envContext is what a pricer may read about the environment it prices in.
type envContext struct {
	asm     *cloudassembly.Assembly
	prices  *PriceTable
	usage   config.Usage
	stack   *cloudassembly.Stack
	counts  map[string]int // resources per type in the environment, to split usage
	derived map[string]DerivedPrice
}

// price returns the unit price of key in the current stack's region.
func (c *envContext) price(key string) (float64, error) {
	return c.priceIn(c.stack.Region, key)
}

func (c *envContext) priceIn(region, key string) (float64, error) {
	p, where, err := c.prices.Lookup(region, key)
	if err != nil {
		return 0, notPriced("%s", err)
	}
	if p.Derived {
		c.derived[where+"\x00"+key] = DerivedPrice{Region: where, Key: key, Price: p}
	}
	return p.USD, nil
}

func (c *envContext) hours() float64 { return c.prices.HoursPerMonth }

func estimateEnv(asm *cloudassembly.Assembly, prices *PriceTable, env string, a Assumptions, derived map[string]DerivedPrice) (EnvEstimate, error) {
	e := EnvEstimate{Name: env, Assumptions: a}
	stacks := asm.StacksOf(env)
	ctx := &envContext{asm: asm, prices: prices, usage: a.Usage, counts: map[string]int{}, derived: derived}
	for _, st := range stacks {
		for _, r := range st.Resources {
			ctx.counts[r.Type]++
		}
	}
	cats := newCategories()
	for _, st := range stacks {
		ctx.stack = st
		for _, id := range st.LogicalIDs() {
			line, err := priceResource(ctx, id, st.Resources[id], cats)
			if err != nil {
				return e, fmt.Errorf("%s/%s: %w", st.Name, id, err)
			}
			if line != nil {
				e.Lines = append(e.Lines, *line)
			}
		}
	}
	usageLines, err := usageLines(ctx, env, a)
	if err != nil {
		return e, err
	}
	e.Lines = append(e.Lines, usageLines...)
	e.NotPriced, e.Free, e.Elsewhere = cats.notPriced.list(), cats.free.list(), cats.elsewhere.list()
	return e, nil
}

// priceResource prices one resource or files it under free, elsewhere or not priced.
func priceResource(ctx *envContext, id string, r cloudassembly.Resource, cats *categories) (*Line, error) {
	where := ctx.stack.Name + "/" + id
	if reason, ok := freeReason(r.Type); ok {
		cats.free.add(r.Type, reason, "")
		return nil, nil
	}
	if reason, ok := elsewhereTypes[r.Type]; ok {
		cats.elsewhere.add(r.Type, reason, "")
		return nil, nil
	}
	pricer, ok := pricers[r.Type]
	if !ok {
		cats.notPriced.add(r.Type, "no price model for this type", where)
		return nil, nil
	}
	parts, err := pricer(ctx, id, r)
	var np *notPricedError
	if errors.As(err, &np) {
		cats.notPriced.add(r.Type, np.reason, where)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &Line{Stack: ctx.stack.Name, LogicalID: id, Type: r.Type, Monthly: parts.total(), Basis: parts.basis()}, nil
}

// part is one priced component of a line.
type part struct {
	usd   float64
	basis string
}

type parts []part

func (ps parts) total() float64 {
	var t float64
	for _, p := range ps {
		t += p.usd
	}
	return round2(t)
}

func (ps parts) basis() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.basis
	}
	return strings.Join(s, "; ")
}

// round2 rounds to cents, so totals add up exactly as printed and compare stably.
func round2(v float64) float64 { return math.Round(v*100) / 100 }

// notPricedError marks a resource the estimate cannot price, with the reason.
type notPricedError struct{ reason string }

func (e *notPricedError) Error() string { return e.reason }

func notPriced(format string, args ...any) error {
	return &notPricedError{reason: fmt.Sprintf(format, args...)}
}

// category counts resources per type and reason.
type category map[string]*TypeCount

func (c category) add(typ, reason, resource string) {
	k := typ + "\x00" + reason
	tc, ok := c[k]
	if !ok {
		tc = &TypeCount{Type: typ, Reason: reason}
		c[k] = tc
	}
	tc.Count++
	if resource != "" {
		tc.Resources = append(tc.Resources, resource)
	}
}

func (c category) list() []TypeCount {
	out := make([]TypeCount, 0, len(c))
	for _, tc := range c {
		sort.Strings(tc.Resources)
		out = append(out, *tc)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}

type categories struct{ free, elsewhere, notPriced category }

func newCategories() *categories {
	return &categories{free: category{}, elsewhere: category{}, notPriced: category{}}
}
