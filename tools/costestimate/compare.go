package main

import (
	"sort"

	"github.com/garcon/infrastructure/tools/internal/costreport"
)

// Change is the difference of one line between a base and a head estimate.
type Change struct {
	// Kind is "added", "removed" or "changed".
	Kind string
	// Line is the head line (the base line for "removed").
	Line Line
	// Base and Head are the monthly costs on each side (0 on the missing side).
	Base, Head float64
}

// Delta is Head − Base.
func (c Change) Delta() float64 { return round2(c.Head - c.Base) }

// EnvDiff is the difference of one environment.
type EnvDiff struct {
	Name       string
	Base, Head float64
	Changes    []Change
}

// Delta is the environment's total Head − Base.
func (d EnvDiff) Delta() float64 { return round2(d.Head - d.Base) }

// Compare diffs two estimates line by line. Lines are matched by stack and logical id, so
// a replaced resource (new logical id) shows as removed plus added. Environments present
// on one side only are diffed against nothing.
func Compare(base, head *Estimate) []EnvDiff {
	names := map[string]bool{}
	for _, e := range base.Envs {
		names[e.Name] = true
	}
	for _, e := range head.Envs {
		names[e.Name] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	out := make([]EnvDiff, 0, len(sorted))
	for _, name := range sorted {
		out = append(out, compareEnv(name, base.Env(name), head.Env(name)))
	}
	return out
}

func compareEnv(name string, base, head *EnvEstimate) EnvDiff {
	d := EnvDiff{Name: name}
	baseLines, headLines := map[string]Line{}, map[string]Line{}
	if base != nil {
		d.Base = round2(base.Total())
		for _, l := range base.Lines {
			baseLines[l.Key()] = l
		}
	}
	if head != nil {
		d.Head = round2(head.Total())
		for _, l := range head.Lines {
			headLines[l.Key()] = l
		}
	}
	for k, h := range headLines {
		b, ok := baseLines[k]
		switch {
		case !ok:
			d.Changes = append(d.Changes, Change{Kind: "added", Line: h, Head: h.Monthly})
		case b.Monthly != h.Monthly || b.Basis != h.Basis:
			d.Changes = append(d.Changes, Change{Kind: "changed", Line: h, Base: b.Monthly, Head: h.Monthly})
		}
	}
	for k, b := range baseLines {
		if _, ok := headLines[k]; !ok {
			d.Changes = append(d.Changes, Change{Kind: "removed", Line: b, Base: b.Monthly})
		}
	}
	sort.Slice(d.Changes, func(i, j int) bool { return d.Changes[i].Line.Key() < d.Changes[j].Line.Key() })
	return d
}

// DeltaReport converts diffs to the JSON contract tools/prcomment reads.
func DeltaReport(diffs []EnvDiff) costreport.Delta {
	out := costreport.Delta{Environments: []costreport.Environment{}}
	for _, d := range diffs {
		env := costreport.Environment{Name: d.Name, Base: d.Base, Head: d.Head, Delta: d.Delta(), Changes: []costreport.Change{}}
		for _, c := range d.Changes {
			env.Changes = append(env.Changes, costreport.Change{
				Kind: c.Kind, Stack: c.Line.Stack, LogicalID: c.Line.LogicalID, Type: c.Line.Type,
				Base: c.Base, Head: c.Head, Delta: c.Delta(), Basis: c.Line.Basis,
			})
		}
		out.Environments = append(out.Environments, env)
	}
	return out
}
