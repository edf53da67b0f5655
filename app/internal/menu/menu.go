// Package menu defines the menu document, its validation rules and the
// read/write service that combines PostgreSQL with the Redis cache.
package menu

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of a menu document. They bound the size of what is stored, cached
// and sent to every diner's phone; 1 MiB of request body is the outer bound.
const (
	MaxSections        = 50
	MaxItemsPerSection = 200
	MaxItemsTotal      = 1000
	MaxNameRunes       = 120
	MaxDescRunes       = 1000
	MaxTags            = 10
	MaxTagRunes        = 30
	// MaxPriceCents is 1,000,000.00 in the menu currency: a typo guard.
	MaxPriceCents = 100_000_000
	// MaxBodyBytes limits the PUT request body.
	MaxBodyBytes = 1 << 20
)

// Document is the menu as clients send it (PUT) and as it is stored.
// Prices are integer minor units (cents) to avoid floating-point money.
type Document struct {
	Currency string    `json:"currency"`
	Sections []Section `json:"sections"`
}

// Section groups items, e.g. "Starters".
type Section struct {
	Name  string `json:"name"`
	Items []Item `json:"items"`
}

// Item is one dish or drink.
type Item struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// PriceCents is a pointer so that a missing price is an error rather
	// than a free dish.
	PriceCents *int64   `json:"price_cents"`
	Available  *bool    `json:"available,omitempty"`
	Tags       []string `json:"tags,omitempty"`
}

// Menu is a stored document with its metadata, as returned by GET.
type Menu struct {
	RestaurantID int64     `json:"restaurant_id"`
	Version      int64     `json:"version"`
	UpdatedAt    time.Time `json:"updated_at"`
	Document
}

// FieldError is one validation failure, addressed by a JSON path such as
// sections[2].items[0].price_cents.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists every problem of a document.
type ValidationError struct {
	Fields []FieldError
}

// Error summarises the problems in one line.
func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for i, f := range e.Fields {
		if i == 10 {
			parts = append(parts, fmt.Sprintf("and %d more", len(e.Fields)-10))
			break
		}
		parts = append(parts, f.Field+": "+f.Message)
	}
	return "invalid menu: " + strings.Join(parts, "; ")
}

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// maxReported caps how many field errors are returned, so an abusive
// document cannot make the error response larger than the request.
const maxReported = 50

type validator struct{ errs []FieldError }

func (v *validator) add(field, format string, args ...any) {
	if len(v.errs) < maxReported+1 {
		v.errs = append(v.errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
}

func (v *validator) text(field, s string, required bool, maxRunes int) {
	switch {
	case !utf8.ValidString(s):
		v.add(field, "must be valid UTF-8")
	case strings.TrimSpace(s) == "":
		if required {
			v.add(field, "must not be empty")
		}
	case utf8.RuneCountInString(s) > maxRunes:
		v.add(field, "must be at most %d characters", maxRunes)
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0:
		v.add(field, "must not contain control characters")
	}
}

// Validate checks a document against the rules above and returns a
// *ValidationError listing every problem, or nil.
func (d *Document) Validate() error {
	v := &validator{}
	if !currencyRE.MatchString(d.Currency) {
		v.add("currency", "must be a 3-letter upper-case ISO 4217 code such as EUR or USD")
	}
	switch {
	case len(d.Sections) == 0:
		v.add("sections", "must contain at least 1 section")
	case len(d.Sections) > MaxSections:
		v.add("sections", "must contain at most %d sections", MaxSections)
	}
	total := 0
	sectionNames := make(map[string]int, len(d.Sections))
	for i, s := range d.Sections {
		if i >= MaxSections {
			break
		}
		sp := "sections[" + strconv.Itoa(i) + "]"
		v.text(sp+".name", s.Name, true, MaxNameRunes)
		key := strings.ToLower(strings.TrimSpace(s.Name))
		if j, dup := sectionNames[key]; dup && key != "" {
			v.add(sp+".name", "duplicates the name of sections[%d]", j)
		} else {
			sectionNames[key] = i
		}
		switch {
		case len(s.Items) == 0:
			v.add(sp+".items", "must contain at least 1 item")
		case len(s.Items) > MaxItemsPerSection:
			v.add(sp+".items", "must contain at most %d items", MaxItemsPerSection)
		}
		total += len(s.Items)
		for j, it := range s.Items {
			if j >= MaxItemsPerSection {
				break
			}
			ip := sp + ".items[" + strconv.Itoa(j) + "]"
			v.text(ip+".name", it.Name, true, MaxNameRunes)
			v.text(ip+".description", it.Description, false, MaxDescRunes)
			switch {
			case it.PriceCents == nil:
				v.add(ip+".price_cents", "is required (integer number of cents)")
			case *it.PriceCents < 0:
				v.add(ip+".price_cents", "must be >= 0")
			case *it.PriceCents > MaxPriceCents:
				v.add(ip+".price_cents", "must be <= %d", MaxPriceCents)
			}
			if len(it.Tags) > MaxTags {
				v.add(ip+".tags", "must contain at most %d tags", MaxTags)
			}
			for k, tag := range it.Tags {
				if k >= MaxTags {
					break
				}
				v.text(ip+".tags["+strconv.Itoa(k)+"]", tag, true, MaxTagRunes)
			}
		}
	}
	if total > MaxItemsTotal {
		v.add("sections", "must contain at most %d items in total (got %d)", MaxItemsTotal, total)
	}
	if len(v.errs) == 0 {
		return nil
	}
	if len(v.errs) > maxReported {
		v.errs = append(v.errs[:maxReported], FieldError{Field: "", Message: "more problems not shown"})
	}
	return &ValidationError{Fields: v.errs}
}

// ParseRestaurantID validates a path id: a positive decimal int64 in
// canonical form (no sign, no leading zeros), so that each restaurant has
// exactly one cache key.
func ParseRestaurantID(s string) (int64, bool) {
	if s == "" || len(s) > 19 || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}
