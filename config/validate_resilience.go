package config

import (
	"regexp"
	"strings"
)

// cronPattern is an EventBridge cron expression: cron(minutes hours day-of-month month
// day-of-week year).
var cronPattern = regexp.MustCompile(`^cron\(([^()]+)\)$`)

// validateRestoreTesting checks the restore testing plan's schedule and validation window.
func (e Environment) validateRestoreTesting(p *problems) {
	b := e.Backup
	if msg := cronProblem(b.RestoreTestSchedule); msg != "" {
		p.addf("Backup.RestoreTestSchedule", "%q %s; allowed: an EventBridge cron expression with six fields, e.g. \"cron(0 5 ? * SAT *)\" (weekly) or \"cron(0 5 1 * ? *)\" (monthly)", b.RestoreTestSchedule, msg)
	}
	if b.RestoreTestValidationHours < 1 || b.RestoreTestValidationHours > 168 {
		p.addf("Backup.RestoreTestValidationHours", "%d is out of range; allowed: 1 to 168 (AWS Backup's validation window)", b.RestoreTestValidationHours)
	}
}

// cronProblem says what is wrong with an EventBridge cron expression, or "" when nothing is.
func cronProblem(expr string) string {
	m := cronPattern.FindStringSubmatch(expr)
	if m == nil {
		return "is not of the form cron(...)"
	}
	fields := strings.Fields(m[1])
	if len(fields) != 6 {
		return "does not have six fields"
	}
	// EventBridge needs exactly one of day-of-month and day-of-week to be "?".
	if (fields[2] == "?") == (fields[4] == "?") {
		return "must have \"?\" in exactly one of day-of-month and day-of-week"
	}
	return ""
}

// validateFaults checks the fault-injection experiments: the share of tasks stopped, the
// interruption length, and that the AZ scenario only runs where a zone's loss can fail over.
func (e Environment) validateFaults(p *problems) {
	f := e.Faults
	maxPercent := 100
	if e.IsProtected() {
		maxPercent = 50
	}
	if f.StopTaskPercent < 1 || f.StopTaskPercent > maxPercent {
		p.addf("Faults.StopTaskPercent", "%d is out of range; allowed: 1 to %d (a protected environment keeps at least half of its tasks)", f.StopTaskPercent, maxPercent)
	}
	if f.InterruptMinutes < 1 || f.InterruptMinutes > 60 {
		p.addf("Faults.InterruptMinutes", "%d is out of range; allowed: 1 to 60", f.InterruptMinutes)
	}
	// A protected environment must have both already (validateDatabase, validateCache
	// report it): one bad value, one error.
	if f.AZPowerInterruption && !e.IsProtected() && (!e.Database.MultiAZ || e.Cache.Replicas < 1) {
		p.addf("Faults.AZPowerInterruption", "true needs a standby to fail over to (Database.MultiAZ: %t, Cache.Replicas: %d); allowed: false, or a Multi-AZ database and at least one Redis replica", e.Database.MultiAZ, e.Cache.Replicas)
	}
}
