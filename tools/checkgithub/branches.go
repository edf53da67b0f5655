package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// branchRules is a branch's protection, from rulesets or classic branch protection.
type branchRules struct {
	source       string // "rulesets" or "branch protection"
	pullRequest  bool
	approvals    int
	dismissStale bool
	checks       []string
	strict       bool
	noForcePush  bool
	noDeletion   bool
	// adminsIncluded is nil when the source cannot say (a ruleset's bypass list is not
	// part of the rules that apply to a branch).
	adminsIncluded *bool
}

// ruleset is one rule of GET repos/{repo}/rules/branches/{branch}.
type ruleset struct {
	Type       string          `json:"type"`
	Parameters json.RawMessage `json:"parameters"`
}

func (c *Checker) branchRulesFromRulesets(branch string) (*branchRules, error) {
	var rules []ruleset
	found, err := c.get("repos/"+c.repo+"/rules/branches/"+branch+"?per_page=100", &rules)
	if err != nil || !found || len(rules) == 0 {
		return nil, err
	}
	b := &branchRules{source: "rulesets"}
	for _, rule := range rules {
		if err := b.addRule(rule); err != nil {
			return nil, fmt.Errorf("rules of %s: %w", branch, err)
		}
	}
	return b, nil
}

func (b *branchRules) addRule(rule ruleset) error {
	switch rule.Type {
	case "pull_request":
		var p struct {
			Approvals    int  `json:"required_approving_review_count"`
			DismissStale bool `json:"dismiss_stale_reviews_on_push"`
		}
		if err := json.Unmarshal(rule.Parameters, &p); err != nil {
			return err
		}
		b.pullRequest, b.approvals, b.dismissStale = true, max(b.approvals, p.Approvals), b.dismissStale || p.DismissStale
	case "required_status_checks":
		var p struct {
			Strict bool `json:"strict_required_status_checks_policy"`
			Checks []struct {
				Context string `json:"context"`
			} `json:"required_status_checks"`
		}
		if err := json.Unmarshal(rule.Parameters, &p); err != nil {
			return err
		}
		b.strict = b.strict || p.Strict
		for _, ch := range p.Checks {
			b.checks = append(b.checks, ch.Context)
		}
	case "non_fast_forward":
		b.noForcePush = true
	case "deletion":
		b.noDeletion = true
	}
	return nil
}

// classicProtection is GET repos/{repo}/branches/{branch}/protection.
type classicProtection struct {
	RequiredStatusChecks *struct {
		Strict   bool     `json:"strict"`
		Contexts []string `json:"contexts"`
		Checks   []struct {
			Context string `json:"context"`
		} `json:"checks"`
	} `json:"required_status_checks"`
	EnforceAdmins *struct {
		Enabled bool `json:"enabled"`
	} `json:"enforce_admins"`
	RequiredPullRequestReviews *struct {
		DismissStale bool `json:"dismiss_stale_reviews"`
		Approvals    int  `json:"required_approving_review_count"`
	} `json:"required_pull_request_reviews"`
	AllowForcePushes *struct {
		Enabled bool `json:"enabled"`
	} `json:"allow_force_pushes"`
	AllowDeletions *struct {
		Enabled bool `json:"enabled"`
	} `json:"allow_deletions"`
}

func (c *Checker) branchRulesFromProtection(branch string) (*branchRules, error) {
	var p classicProtection
	found, err := c.get("repos/"+c.repo+"/branches/"+branch+"/protection", &p)
	if err != nil || !found {
		return nil, err
	}
	b := &branchRules{source: "branch protection"}
	if s := p.RequiredStatusChecks; s != nil {
		b.strict = s.Strict
		b.checks = append(b.checks, s.Contexts...)
		for _, ch := range s.Checks {
			if !slices.Contains(b.checks, ch.Context) {
				b.checks = append(b.checks, ch.Context)
			}
		}
	}
	if r := p.RequiredPullRequestReviews; r != nil {
		b.pullRequest, b.approvals, b.dismissStale = true, r.Approvals, r.DismissStale
	}
	b.noForcePush = p.AllowForcePushes == nil || !p.AllowForcePushes.Enabled
	b.noDeletion = p.AllowDeletions == nil || !p.AllowDeletions.Enabled
	admins := p.EnforceAdmins != nil && p.EnforceAdmins.Enabled
	b.adminsIncluded = &admins
	return b, nil
}

func (c *Checker) checkBranch(r *Report, branch string) error {
	rules, err := c.branchRulesFromRulesets(branch)
	if err == nil && rules == nil {
		rules, err = c.branchRulesFromProtection(branch)
	}
	if err != nil {
		return err
	}
	if rules == nil {
		r.Missing = append(r.Missing, fmt.Sprintf("branch %s: no ruleset or branch protection applies (Settings -> Rules: pull requests, required checks %s)",
			branch, quoted(c.requiredChecks(branch))))
		return nil
	}
	at := fmt.Sprintf("branch %s (%s)", branch, rules.source)
	r.check(rules.pullRequest && rules.approvals >= 1, at+": a pull request with an approval is required",
		at+": merging does not require a pull request with at least one approval")
	r.check(rules.dismissStale, at+": stale approvals are dismissed", at+": approvals are not dismissed when new commits are pushed")
	for _, check := range c.requiredChecks(branch) {
		r.check(slices.Contains(rules.checks, check), fmt.Sprintf("%s: requires the check %q", at, check),
			fmt.Sprintf("%s: the status check %q is not required (required: %s)", at, check, quoted(rules.checks)))
	}
	r.check(rules.strict, at+": branches must be up to date", at+": branches need not be up to date before merging")
	r.check(rules.noForcePush, at+": no force pushes", at+": force pushes are allowed")
	r.check(rules.noDeletion, at+": cannot be deleted", at+": the branch can be deleted")
	if rules.adminsIncluded != nil {
		r.check(*rules.adminsIncluded, at+": applies to administrators", at+": administrators bypass it (enable \"Do not allow bypassing\" / enforce admins)")
	}
	return nil
}

func quoted(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
