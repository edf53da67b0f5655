package config

import (
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// parser accumulates problems while reading variables.
type parser struct {
	lookup   LookupFunc
	problems []Problem
}

func (p *parser) fail(name, format string, args ...any) {
	p.problems = append(p.problems, Problem{Var: name, Message: fmt.Sprintf(format, args...)})
}

// get returns the trimmed value; an empty value counts as unset so that an
// ECS variable declared with "" falls back to the default.
func (p *parser) get(name string) (string, bool) {
	v, ok := p.lookup(name)
	if !ok {
		return "", false
	}
	v = strings.TrimSpace(v)
	return v, v != ""
}

func (p *parser) required(name, allowed string) string {
	v, ok := p.get(name)
	if !ok {
		p.fail(name, "required; %s", allowed)
	}
	return v
}

func (p *parser) oneOf(name, def string, allowed ...string) string {
	v, ok := p.get(name)
	if !ok {
		if def == "" {
			p.fail(name, "required; one of %s", strings.Join(allowed, ", "))
		}
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(name, "%q is not allowed; one of %s", v, strings.Join(allowed, ", "))
	return def
}

func (p *parser) port(name string, def int) int {
	v, ok := p.get(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 {
		p.fail(name, "%q is not a valid port; an integer from 1 to 65535 (default %d)", v, def)
		return def
	}
	return n
}

func (p *parser) int64Range(name string, def, lo, hi int64) int64 {
	v, ok := p.get(name)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		p.fail(name, "%q is invalid; an integer number of bytes from %d to %d (default %d)", v, lo, hi, def)
		return def
	}
	return n
}

func (p *parser) duration(name string, def, lo, hi time.Duration, why string) time.Duration {
	v, ok := p.get(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		p.fail(name, "%q is not a duration; use Go syntax such as 30s or 2m, from %s up to %s%s (default %s)", v, lo, hi, why, def)
		return def
	}
	if d < lo || d > hi {
		p.fail(name, "%s is out of range; from %s up to %s%s (default %s)", d, lo, hi, why, def)
		return def
	}
	return d
}

func (p *parser) boolean(name string, def bool) bool {
	v, ok := p.get(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(name, "%q is not a boolean; true or false (default %t)", v, def)
		return def
	}
	return b
}

// secret reads a required secret and never includes its value in problems.
func (p *parser) secret(name string, minBytes int) Secret {
	v, ok := p.lookup(name)
	if !ok || strings.TrimSpace(v) == "" {
		if minBytes > 1 {
			p.fail(name, "required; a secret of at least %d bytes", minBytes)
		} else {
			p.fail(name, "required; a non-empty secret")
		}
		return Secret{}
	}
	if len(v) < minBytes {
		p.fail(name, "too short (%d bytes); at least %d bytes", len(v), minBytes)
		return Secret{}
	}
	return NewSecret(v)
}

var (
	environmentRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	roleRE        = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	audienceRE    = regexp.MustCompile(`^[\x21-\x7e]{1,256}$`)
	hostnameRE    = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$`)
	dbNameRE      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$-]{0,62}$`)
	bucketRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	regionRE      = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

func (p *parser) host(name string) string {
	v := p.required(name, "a DNS name or IP address without scheme or port")
	if v == "" {
		return ""
	}
	if net.ParseIP(v) != nil {
		return v
	}
	if len(v) > 253 || !hostnameRE.MatchString(v) {
		p.fail(name, "%q is not a valid host; a DNS name or IP address without scheme or port", v)
		return ""
	}
	return v
}

// credentials parses the JSON of the RDS-managed Secrets Manager secret,
// which ECS injects whole. Only username and password are used; the other
// keys (engine, host, port, dbname, ...) are ignored on purpose because the
// host names come from DB_WRITER_HOST/DB_READER_HOST.
func (p *parser) credentials(name string) (string, Secret) {
	const allowed = `a JSON object with non-empty string fields "username" and "password" (other keys are ignored)`
	v, ok := p.lookup(name)
	if !ok || strings.TrimSpace(v) == "" {
		p.fail(name, "required; %s", allowed)
		return "", Secret{}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		// The error text of encoding/json can quote input bytes, which here
		// are the password: report only the kind of failure.
		p.fail(name, "is not valid JSON; %s", allowed)
		return "", Secret{}
	}
	field := func(key string) (string, bool) {
		msg, ok := raw[key]
		if !ok {
			return "", false
		}
		var s string
		if err := json.Unmarshal(msg, &s); err != nil || s == "" {
			return "", false
		}
		return s, true
	}
	user, okU := field("username")
	pass, okP := field("password")
	var missing []string
	if !okU {
		missing = append(missing, `"username"`)
	}
	if !okP {
		missing = append(missing, `"password"`)
	}
	if len(missing) > 0 {
		p.fail(name, "missing or empty %s; %s", strings.Join(missing, " and "), allowed)
		return "", Secret{}
	}
	return user, NewSecret(pass)
}
