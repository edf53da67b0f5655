package cloudassembly

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
)

// The fake physical ids of Ref and Fn::GetAtt. They mimic what CloudFormation and the
// services generate — role names "<StackName>-<LogicalId>-<random>" cut to 64 characters,
// lower-case bucket names of at most 63, UUID key ids, secret ARNs with a 6-character
// suffix, "E…" distribution ids, "db-…" RDS resource ids — so that policy conditions such
// as ArnLike "arn:aws:iam::<acct>:role/Staging-Dns-*" are tested against names of the
// real shape. The "random" parts are derived from the stack name, the logical id and the
// purpose, so every run gives the same ids. A literal name property (RoleName, BucketName,
// LogGroupName ...) wins over a generated name, as it does in CloudFormation.

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	mixedAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	hexDigits  = "0123456789abcdef"
	digits     = "0123456789"
)

// physical is one resource whose Ref or attribute is being computed.
type physical struct {
	e   *Evaluator
	st  *Stack
	id  string
	res Resource
}

// typeModel computes Ref and the attributes of one resource type.
type typeModel struct {
	ref   func(p physical) (any, error)
	attrs map[string]func(p physical) (any, error)
}

func (e *Evaluator) physicalRef(st *Stack, id string) (any, error) {
	p := physical{e: e, st: st, id: id, res: st.Resources[id]}
	m, ok := typeModels[p.res.Type]
	if !ok || m.ref == nil {
		return p.generatedName(255, false), nil
	}
	return e.guarded(st, id, "Ref", func() (any, error) { return m.ref(p) })
}

func (e *Evaluator) getAtt(st *Stack, id, attr string) (any, error) {
	if _, ok := st.Resources[id]; !ok {
		return nil, fmt.Errorf("%s has no resource %s", st.Name, id)
	}
	if err := e.mustExist(st, id); err != nil {
		return nil, err
	}
	p := physical{e: e, st: st, id: id, res: st.Resources[id]}
	if f, ok := typeModels[p.res.Type].attrs[attr]; ok {
		return e.guarded(st, id, attr, func() (any, error) { return f(p) })
	}
	return nil, fmt.Errorf("%s: no model of Fn::GetAtt %s.%s (%s): add it to tools/internal/cloudassembly/physical_types.go",
		st.Name, id, attr, p.res.Type)
}

// guarded runs f, failing instead of recursing when computing the attribute of a resource
// needs that same attribute (a reference cycle through properties).
func (e *Evaluator) guarded(st *Stack, id, attr string, f func() (any, error)) (any, error) {
	key := st.StackName + "\x00" + id + "\x00" + attr
	if e.active[key] {
		return nil, fmt.Errorf("%s: %s.%s refers to itself", st.Name, id, attr)
	}
	e.active[key] = true
	defer delete(e.active, key)
	return f()
}

// token returns n characters of alphabet derived from the resource and purpose.
func (p physical) token(purpose string, n int, alphabet string) string {
	seed := sha256.Sum256([]byte(p.st.Account + "/" + p.st.Region + "/" + p.st.StackName + "/" + p.id + "/" + purpose))
	out := make([]byte, n)
	for i := range out {
		if i%8 == 0 && i > 0 {
			seed = sha256.Sum256(seed[:])
		}
		v := binary.BigEndian.Uint32(seed[(i%8)*4:])
		out[i] = alphabet[int(v)%len(alphabet)]
	}
	return string(out)
}

// uuid returns a deterministic version-4-shaped UUID for purpose.
func (p physical) uuid(purpose string) string {
	h := p.token(purpose, 32, hexDigits)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// generatedName is CloudFormation's "<StackName>-<LogicalId>-<RANDOM>", cut to maxLen
// characters by shortening the logical id first and then the stack name, so that the
// stack name prefix that policies match on survives as long as possible.
func (p physical) generatedName(maxLen int, lower bool) string {
	alphabet := upperAlnum
	if lower {
		alphabet = lowerAlnum
	}
	suffix := p.token("name", 12, alphabet)
	stack, id := p.st.StackName, p.id
	if lower {
		stack, id = strings.ToLower(stack), strings.ToLower(id)
	}
	room := maxLen - len(suffix) - 2
	if len(stack)+len(id) > room {
		id = id[:max(1, min(len(id), room-len(stack)))]
		stack = stack[:min(len(stack), room-len(id))]
	}
	return stack + "-" + id + "-" + suffix
}

// name returns the resource's literal name property prop, or a generated name.
func (p physical) name(prop string, maxLen int, lower bool) (string, error) {
	if v, ok := p.res.Properties[prop]; ok {
		return p.e.EvalString(p.st, v)
	}
	return p.generatedName(maxLen, lower), nil
}

// prop evaluates the property name ("" when absent).
func (p physical) prop(name string) (string, error) {
	v, ok := p.res.Properties[name]
	if !ok {
		return "", nil
	}
	return p.e.EvalString(p.st, v)
}

// arn formats "arn:<partition>:<service>:<region>:<account>:<resource>"; global services
// (IAM, S3, CloudFront) pass an empty region, S3 also an empty account.
func (p physical) arn(service, region, account, resource string) string {
	return "arn:" + Partition(p.st.Region) + ":" + service + ":" + region + ":" + account + ":" + resource
}

// regional is arn() in the stack's region and account.
func (p physical) regional(service, resource string) string {
	return p.arn(service, p.st.Region, p.st.Account, resource)
}

// nameThen returns a model function applying f to the resource's name (property prop or
// a generated one).
func nameThen(prop string, maxLen int, lower bool, f func(p physical, name string) any) func(physical) (any, error) {
	return func(p physical) (any, error) {
		n, err := p.name(prop, maxLen, lower)
		if err != nil {
			return nil, err
		}
		return f(p, n), nil
	}
}

// idOf returns a model function for a "<prefix><n random characters>" id.
func idOf(prefix string, n int, alphabet string) func(physical) (any, error) {
	return func(p physical) (any, error) { return prefix + p.token("id", n, alphabet), nil }
}

// same returns a model function that evaluates to what another attribute (or Ref, for
// "") of the same resource gives.
func same(attr string) func(physical) (any, error) {
	return func(p physical) (any, error) {
		if attr == "" {
			return p.e.physicalRef(p.st, p.id)
		}
		return p.e.getAtt(p.st, p.id, attr)
	}
}

// propValue returns a model function evaluating property name (def when absent).
func propValue(name, def string) func(physical) (any, error) {
	return func(p physical) (any, error) {
		v, err := p.prop(name)
		if v == "" && err == nil {
			v = def
		}
		return v, err
	}
}
