package main

import (
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strings"
	"text/tabwriter"
)

// docWriter is the small document model both output formats implement, so the report is
// written once.
type docWriter interface {
	heading(level int, text string)
	para(text string)
	list(items []string)
	table(header []string, rows [][]string)
	flush() error
}

func newDocWriter(format string, w io.Writer) (docWriter, error) {
	switch format {
	case "text":
		return &textWriter{w: w}, nil
	case "markdown":
		return &markdownWriter{textWriter{w: w}}, nil
	}
	return nil, fmt.Errorf("unknown --format %q; allowed: text, markdown", format)
}

// money formats a monthly amount: $1234.56.
func money(v float64) string { return fmt.Sprintf("$%.2f", v) }

// signed formats a delta with its sign: +$12.34, −$12.34, $0.00.
func signed(v float64) string {
	switch v = round2(v); {
	case v > 0:
		return "+" + money(v)
	case v < 0:
		return "−" + money(math.Abs(v))
	}
	return money(0)
}

// RenderEstimate writes the full estimate: per environment its lines, stack totals,
// largest drivers and what was not priced, then the assumptions and price sources.
func RenderEstimate(d docWriter, est *Estimate, prices *PriceTable, top int) error {
	d.heading(1, "Monthly cost estimate")
	d.para("On-demand list prices in USD for 730 hours, before tax, free tiers and discounts. Usage-based lines come from config (Environment.Usage).")
	for _, e := range est.Envs {
		renderEnv(d, e, top)
	}
	renderPrices(d, est, prices)
	return d.flush()
}

func renderEnv(d docWriter, e EnvEstimate, top int) {
	d.heading(2, fmt.Sprintf("%s: %s per month", e.Name, money(e.Total())))
	rows := make([][]string, 0, len(e.Lines))
	for _, l := range e.Lines {
		rows = append(rows, []string{l.Stack, l.LogicalID, l.Type, money(l.Monthly), l.Basis})
	}
	d.table([]string{"stack", "resource", "type", "monthly", "basis"}, rows)
	d.heading(3, e.Name+": totals per stack")
	var totals [][]string
	for _, s := range e.StackTotals() {
		totals = append(totals, []string{s.Stack, money(s.Monthly)})
	}
	totals = append(totals, []string{e.Name + " total", money(e.Total())})
	d.table([]string{"stack", "monthly"}, totals)
	renderLargest(d, e, top)
	renderCategories(d, e)
}

func renderLargest(d docWriter, e EnvEstimate, top int) {
	d.heading(3, fmt.Sprintf("%s: the %d largest cost drivers", e.Name, top))
	var items []string
	for _, l := range e.Largest(top) {
		items = append(items, fmt.Sprintf("%s %s/%s (%s): %s", money(l.Monthly), l.Stack, l.LogicalID, l.Type, l.Basis))
	}
	d.list(items)
}

func renderCategories(d docWriter, e EnvEstimate) {
	d.heading(3, e.Name+": not priced")
	if len(e.NotPriced) == 0 {
		d.para("Every resource type of this environment has a price model, a stated reason to be free, or is priced in another line.")
	}
	var items []string
	for _, tc := range e.NotPriced {
		items = append(items, fmt.Sprintf("%s ×%d: %s (%s)", tc.Type, tc.Count, tc.Reason, strings.Join(tc.Resources, ", ")))
	}
	d.list(items)
	items = nil
	for _, tc := range e.Elsewhere {
		items = append(items, fmt.Sprintf("%s ×%d: %s", tc.Type, tc.Count, tc.Reason))
	}
	d.para("Priced in another line:")
	d.list(items)
	items = nil
	for _, tc := range e.Free {
		items = append(items, fmt.Sprintf("%s ×%d (%s)", tc.Type, tc.Count, tc.Reason))
	}
	d.para("Free (no charge of their own):")
	d.list(items)
	d.para(e.Name + " usage assumptions (config): " + usageString(e.Assumptions))
}

// usageString lists the usage fields in declaration order: "APIRequestsMillions=0.5, …".
func usageString(a Assumptions) string {
	v := reflect.ValueOf(a.Usage)
	fields := make([]string, 0, v.NumField())
	for i := range v.NumField() {
		fields = append(fields, fmt.Sprintf("%s=%s", v.Type().Field(i).Name, num(v.Field(i).Float())))
	}
	return strings.Join(fields, ", ") + "; primary region " + a.PrimaryRegion
}

func renderPrices(d docWriter, est *Estimate, prices *PriceTable) {
	d.heading(2, "Prices")
	d.para(fmt.Sprintf("Pinned price table tools/costestimate/prices.json, compiled %s from these sources (each with the date it was read):", prices.Retrieved))
	var items []string
	for _, id := range prices.SourceIDs() {
		s := prices.Sources[id]
		items = append(items, fmt.Sprintf("%s (retrieved %s): %s", id, s.Retrieved, s.Description))
	}
	d.list(items)
	d.para("Derived prices this estimate used (not a published figure for their region; see their notes):")
	items = nil
	for _, dp := range est.Derived {
		items = append(items, fmt.Sprintf("%s %s = %s per %s: %s", dp.Region, dp.Key, usd(dp.Price.USD), dp.Price.Unit, dp.Price.Note))
	}
	d.list(items)
	d.para("Not included anywhere: data transfer to the internet, API calls (S3, KMS, Secrets Manager), log storage after ingestion, snapshot storage beyond the usage assumption, the imported Route 53 hosted zone and its DNS queries, tax, support plans, free tiers and discounts.")
}

// RenderSummary writes only the totals per environment and stack and the largest drivers:
// the table the README shows.
func RenderSummary(d docWriter, est *Estimate, top int) error {
	renderTotals(d, est)
	for _, e := range est.Envs {
		renderLargest(d, e, top)
	}
	return d.flush()
}

// renderTotals writes the table of totals per environment and stack.
func renderTotals(d docWriter, est *Estimate) {
	stacks := map[string]bool{}
	for _, e := range est.Envs {
		for _, s := range e.StackTotals() {
			stacks[stackLeaf(s.Stack)] = true
		}
	}
	names := make([]string, 0, len(stacks))
	for n := range stacks {
		names = append(names, n)
	}
	// Stacks alphabetically, the environment-wide usage lines last.
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == usageLeaf) != (names[j] == usageLeaf) {
			return names[j] == usageLeaf
		}
		return names[i] < names[j]
	})
	header := append([]string{"environment"}, names...)
	header = append(header, "total per month")
	var rows [][]string
	for _, e := range est.Envs {
		byLeaf := map[string]float64{}
		for _, s := range e.StackTotals() {
			byLeaf[stackLeaf(s.Stack)] = s.Monthly
		}
		row := []string{e.Name}
		for _, n := range names {
			row = append(row, money(byLeaf[n]))
		}
		rows = append(rows, append(row, money(e.Total())))
	}
	d.table(header, rows)
}

// usageLeaf is the stack column of the environment-wide usage lines.
const usageLeaf = "(usage)"

// stackLeaf is a stack's name within its environment: "Network", or "(usage)".
func stackLeaf(stack string) string {
	if _, leaf, ok := strings.Cut(stack, "/"); ok {
		return leaf
	}
	if _, leaf, ok := strings.Cut(stack, " "); ok {
		return leaf
	}
	return stack
}

// RenderCompare writes the per-resource and total deltas of each environment.
func RenderCompare(d docWriter, diffs []EnvDiff) error {
	d.heading(1, "Monthly cost delta (base → head)")
	for _, df := range diffs {
		d.heading(2, fmt.Sprintf("%s: %s → %s (%s per month)", df.Name, money(df.Base), money(df.Head), signed(df.Delta())))
		if len(df.Changes) == 0 {
			d.para("No priced resource changed.")
			continue
		}
		rows := make([][]string, 0, len(df.Changes))
		for _, c := range df.Changes {
			rows = append(rows, []string{c.Kind, c.Line.Stack, c.Line.LogicalID, c.Line.Type, money(c.Base), money(c.Head), signed(c.Delta())})
		}
		d.table([]string{"change", "stack", "resource", "type", "base", "head", "delta"}, rows)
	}
	return d.flush()
}

type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

func (t *textWriter) heading(level int, text string) {
	marks := map[int]string{1: "==", 2: "==", 3: "--"}[level]
	t.printf("\n%s %s\n", marks, text)
}

func (t *textWriter) para(text string) { t.printf("%s\n", text) }

func (t *textWriter) list(items []string) {
	for _, it := range items {
		t.printf("  - %s\n", it)
	}
}

func (t *textWriter) table(header []string, rows [][]string) {
	if t.err != nil {
		return
	}
	tw := tabwriter.NewWriter(t.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	t.err = tw.Flush()
}

func (t *textWriter) flush() error { return t.err }

type markdownWriter struct{ textWriter }

func (m *markdownWriter) heading(level int, text string) {
	m.printf("\n%s %s\n\n", strings.Repeat("#", level), text)
}

func (m *markdownWriter) para(text string) { m.printf("%s\n\n", text) }

func (m *markdownWriter) list(items []string) {
	for _, it := range items {
		m.printf("- %s\n", it)
	}
	if len(items) > 0 {
		m.printf("\n")
	}
}

func (m *markdownWriter) table(header []string, rows [][]string) {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	line := func(cells []string) {
		escaped := make([]string, len(cells))
		for i, c := range cells {
			escaped[i] = cell(c)
		}
		m.printf("| %s |\n", strings.Join(escaped, " | "))
	}
	line(header)
	m.printf("|%s\n", strings.Repeat("---|", len(header)))
	for _, r := range rows {
		line(r)
	}
	m.printf("\n")
}
