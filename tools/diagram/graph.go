package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/garcon/infrastructure/tools/internal/cloudassembly"
)

// Node is one box of the diagram: a main resource, or a group of alike resources of one
// stack (NAT gateways, interface endpoints, the records of one DNS name).
type Node struct {
	// ID is unique in the graph: "<stack>/<logical id or group key>".
	ID string
	// Stack is the stack (cluster) the node is drawn in; "" for outside nodes (Internet).
	Stack string
	// Label is the node's text; lines separated by "\n".
	Label string
	// Kind picks the node's shape and colour.
	Kind string
	// Group marks a node that stands for all resources of one kind in its stack; its label
	// always shows the count.
	Group bool
}

// Edge is a connection between two nodes.
type Edge struct {
	From, To string
	// Kind is "network" (a security-group rule), "ref" (a template reference), "copy"
	// (the backup copy action) or "protects" (a WAF association).
	Kind string
	// Label is the edge's text, e.g. the ports of a security-group rule.
	Label string
}

// Graph is the diagram of one environment.
type Graph struct {
	// Env is the environment drawn.
	Env string
	// Stacks are the environment's stacks (clusters), sorted, with their regions.
	Stacks []*cloudassembly.Stack
	// Nodes are sorted by ID; Edges by From, To, Kind.
	Nodes []Node
	Edges []Edge
	// Notes are lines printed under the title (what is not drawn).
	Notes []string
}

// internetID is the node for CIDR 0.0.0.0/0 and ::/0 and for public endpoints.
const internetID = "Internet"

// builder collects nodes and edges while it walks an environment's templates.
type builder struct {
	asm     *cloudassembly.Assembly
	nodes   map[string]*Node
	members map[string]string // "<stack>\x00<logical id>" → node ID
	counts  map[string]int    // node ID → resources it stands for
	details map[string]map[string]bool
	edges   map[string]*Edge
	hosts   map[string]string // DNS name of an alias record → its node ID
}

// Build draws the environment env of asm.
func Build(asm *cloudassembly.Assembly, env string) (*Graph, error) {
	stacks := asm.StacksOf(env)
	if len(stacks) == 0 {
		return nil, fmt.Errorf("the assembly has no environment %q (it has %s)", env, strings.Join(asm.Environments(), ", "))
	}
	b := &builder{asm: asm, nodes: map[string]*Node{}, members: map[string]string{}, counts: map[string]int{},
		details: map[string]map[string]bool{}, edges: map[string]*Edge{}, hosts: map[string]string{}}
	for _, st := range stacks {
		for _, id := range st.LogicalIDs() {
			b.addNode(st, id)
		}
	}
	b.finishGroupLabels()
	for _, st := range stacks {
		for _, id := range st.LogicalIDs() {
			b.connect(st, id)
		}
	}
	return b.graph(env, stacks), nil
}

func memberKey(st *cloudassembly.Stack, id string) string { return st.Name + "\x00" + id }

func (b *builder) addNode(st *cloudassembly.Stack, id string) {
	r := st.Resources[id]
	n, ok := describe(b.asm, st, id, r)
	if !ok {
		return
	}
	b.members[memberKey(st, id)] = n.ID
	b.counts[n.ID]++
	if r.Type == "AWS::Route53::RecordSet" {
		b.hosts[strings.TrimSuffix(cloudassembly.String(r.Properties["Name"]), ".")] = n.ID
	}
	// Group members share the first line of their label; the second lines are collected.
	title, detail, _ := strings.Cut(n.Label, "\n")
	if b.details[n.ID] == nil {
		b.details[n.ID] = map[string]bool{}
	}
	if detail != "" {
		b.details[n.ID][detail] = true
	}
	if _, ok := b.nodes[n.ID]; !ok {
		n.Label = title
		b.nodes[n.ID] = &n
	}
}

// finishGroupLabels writes each node's label: its title, "×N" when it stands for several
// resources, and the sorted details of its members.
func (b *builder) finishGroupLabels() {
	for id, n := range b.nodes {
		if c := b.counts[id]; c > 1 || n.Group {
			n.Label = fmt.Sprintf("%s ×%d", n.Label, c)
		}
		details := make([]string, 0, len(b.details[id]))
		for d := range b.details[id] {
			details = append(details, d)
		}
		sort.Strings(details)
		if len(details) > 0 {
			n.Label += "\n" + strings.Join(details, ", ")
		}
	}
}

// nodeOf returns the node a resource is drawn as, if any.
func (b *builder) nodeOf(st *cloudassembly.Stack, id string) (string, bool) {
	n, ok := b.members[memberKey(st, id)]
	return n, ok
}

func (b *builder) addEdge(from, to, kind, label string) {
	if from == to {
		return
	}
	key := from + "\x00" + to + "\x00" + kind
	if e, ok := b.edges[key]; ok {
		e.Label = joinLabels(e.Label, label)
		return
	}
	b.edges[key] = &Edge{From: from, To: to, Kind: kind, Label: label}
}

// joinLabels merges port labels: "tcp 80" + "tcp 443" → "tcp 80, 443".
func joinLabels(a, b string) string {
	if a == "" || a == b {
		return b
	}
	if b == "" {
		return a
	}
	pa, pb := strings.TrimPrefix(a, "tcp "), strings.TrimPrefix(b, "tcp ")
	set := map[string]bool{}
	for _, p := range append(strings.Split(pa, ", "), strings.Split(pb, ", ")...) {
		set[p] = true
	}
	ports := make([]string, 0, len(set))
	for p := range set {
		ports = append(ports, p)
	}
	sort.Slice(ports, func(i, j int) bool {
		if len(ports[i]) != len(ports[j]) {
			return len(ports[i]) < len(ports[j])
		}
		return ports[i] < ports[j]
	})
	return "tcp " + strings.Join(ports, ", ")
}

func (b *builder) graph(env string, stacks []*cloudassembly.Stack) *Graph {
	g := &Graph{Env: env, Stacks: stacks}
	for _, n := range b.nodes {
		g.Nodes = append(g.Nodes, *n)
	}
	sort.Slice(g.Nodes, func(i, j int) bool { return g.Nodes[i].ID < g.Nodes[j].ID })
	for _, e := range b.edges {
		// A reference that a security-group rule already draws adds nothing but clutter.
		if _, network := b.edges[e.From+"\x00"+e.To+"\x00network"]; e.Kind == "ref" && network {
			continue
		}
		g.Edges = append(g.Edges, *e)
	}
	sort.Slice(g.Edges, func(i, j int) bool {
		a, c := g.Edges[i], g.Edges[j]
		if a.From != c.From {
			return a.From < c.From
		}
		if a.To != c.To {
			return a.To < c.To
		}
		return a.Kind < c.Kind
	})
	return g
}

// hashSuffix is the 8-hex-digit suffix CDK appends to logical ids (a hash of the construct
// path, stable as long as the path is).
var hashSuffix = regexp.MustCompile(`[0-9A-F]{8}$`)

// shortName turns a logical id into a readable name: "StorageUploadsBDC5E374" → "StorageUploads".
func shortName(id string) string { return hashSuffix.ReplaceAllString(id, "") }
