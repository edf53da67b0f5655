package main

import "testing"

// The rules are the service database's: every property it marks as replacing ("yes") is
// a rule, every "maybe" a rule or an exception explained in notReplacing, and each
// exception names a property the database still marks (so a stale one is noticed).
func TestRulesAreDerivedFromTheCDKServiceDatabase(t *testing.T) {
	path, err := findSpec()
	if err != nil {
		t.Fatal(err)
	}
	spec, err := readSpec(path)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := loadRules()
	if err != nil {
		t.Fatal(err)
	}
	for typ, props := range spec {
		have := map[string]Effect{}
		for _, r := range rules[typ] {
			have[r.Property] = r.Effect
		}
		for prop, mark := range props {
			_, explained := notReplacing[typ][prop]
			effect, ok := have[prop]
			switch {
			case mark == "yes" && (!ok || effect != Replaces):
				t.Errorf("%s.%s requires replacement (CDK service database) but is no Replaces rule", typ, prop)
			case mark == "maybe" && !ok && !explained:
				t.Errorf("%s.%s may require replacement but is neither a rule nor explained", typ, prop)
			}
		}
		for prop := range notReplacing[typ] {
			if _, marked := props[prop]; !marked {
				t.Errorf("notReplacing explains %s.%s, which the database no longer marks: remove it", typ, prop)
			}
		}
	}
	for _, typ := range statefulResourceTypes {
		if len(rules[typ]) == 0 {
			t.Errorf("%s has no replacement rules", typ)
		}
	}
	assert := func(typ, prop string, want Effect) {
		for _, r := range rules[typ] {
			if r.Property == prop && r.Effect == want {
				return
			}
		}
		t.Errorf("%s.%s: want a %v rule", typ, prop, want)
	}
	assert("AWS::RDS::DBInstance", "StorageEncrypted", Replaces)
	assert("AWS::KMS::Key", "KeyUsage", Immutable)
	assert("AWS::Route53::HostedZone", "Name", Replaces)
}
