package main

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
)

//go:embed prices.json
var pricesJSON []byte

// PriceTable is the pinned price list (prices.json): per-region prices, region-independent
// ("global") prices and the sources they come from.
type PriceTable struct {
	// Currency is the currency of every price ("USD").
	Currency string `json:"currency"`
	// HoursPerMonth converts hourly prices to monthly ones (AWS uses 730).
	HoursPerMonth float64 `json:"hoursPerMonth"`
	// Retrieved is the date the table was last compiled; each source has its own date.
	Retrieved string `json:"retrieved"`
	// Sources describe where prices come from, by id.
	Sources map[string]Source `json:"sources"`
	// Global holds prices that are the same in every region.
	Global map[string]Price `json:"global"`
	// Regions holds prices per region code, then per price key.
	Regions map[string]map[string]Price `json:"regions"`
}

// Source says where a group of prices comes from and when it was read.
type Source struct {
	// Retrieved is the date the source was read (YYYY-MM-DD).
	Retrieved string `json:"retrieved"`
	// Description names the document or offer file and its publication dates.
	Description string `json:"description"`
}

// Price is one unit price.
type Price struct {
	// USD is the price of one Unit.
	USD float64 `json:"usd"`
	// Unit is what one USD amount buys, e.g. "hour", "GB-month".
	Unit string `json:"unit"`
	// Source is the id of the Source the price comes from.
	Source string `json:"source"`
	// Derived is true when the price is not a published figure for its region.
	Derived bool `json:"derived"`
	// Note says how a derived price was obtained, or which usage type it is.
	Note string `json:"note"`
}

// DerivedPrice is a derived price the estimate used, reported so readers know which
// figures are the least certain.
type DerivedPrice struct {
	Region, Key string
	Price       Price
}

// LoadPrices parses the embedded price table.
func LoadPrices() (*PriceTable, error) { return ParsePrices(pricesJSON) }

// ParsePrices parses and checks a price table: every price positive-or-zero with a known
// source, every source dated.
func ParsePrices(raw []byte) (*PriceTable, error) {
	var t PriceTable
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("price table: %w", err)
	}
	if t.HoursPerMonth <= 0 || t.Currency == "" {
		return nil, errors.New("price table: currency and hoursPerMonth are required")
	}
	for id, s := range t.Sources {
		if s.Retrieved == "" || s.Description == "" {
			return nil, fmt.Errorf("price table: source %q needs retrieved and description", id)
		}
	}
	check := func(where, key string, p Price) error {
		if _, ok := t.Sources[p.Source]; !ok {
			return fmt.Errorf("price table: %s %s names unknown source %q", where, key, p.Source)
		}
		if !(p.USD >= 0) || p.Unit == "" {
			return fmt.Errorf("price table: %s %s needs a non-negative usd and a unit", where, key)
		}
		if p.Derived && p.Note == "" {
			return fmt.Errorf("price table: %s %s is derived but its note does not say how", where, key)
		}
		return nil
	}
	for key, p := range t.Global {
		if err := check("global", key, p); err != nil {
			return nil, err
		}
	}
	for region, prices := range t.Regions {
		for key, p := range prices {
			if err := check(region, key, p); err != nil {
				return nil, err
			}
		}
	}
	return &t, nil
}

// globalRegion names the region-independent prices in reports.
const globalRegion = "global"

// Lookup returns the price of key in region, falling back to the global prices; where is
// the region the price was found in, or "global".
func (t *PriceTable) Lookup(region, key string) (p Price, where string, err error) {
	if p, ok := t.Regions[region][key]; ok {
		return p, region, nil
	}
	if p, ok := t.Global[key]; ok {
		return p, globalRegion, nil
	}
	return Price{}, "", fmt.Errorf("no %s price for %q in prices.json", region, key)
}

// SourceIDs returns the ids of the sources, sorted.
func (t *PriceTable) SourceIDs() []string {
	ids := make([]string, 0, len(t.Sources))
	for id := range t.Sources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// usd formats a unit price without trailing zeros: $0.02646, $5.
func usd(v float64) string { return "$" + strconv.FormatFloat(v, 'f', -1, 64) }

// num formats a quantity without trailing zeros: 0.25, 730, 1.5.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
