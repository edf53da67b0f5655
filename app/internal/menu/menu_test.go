package menu

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func price(v int64) *int64 { return &v }

func validDoc() Document {
	return Document{
		Currency: "EUR",
		Sections: []Section{
			{Name: "Starters", Items: []Item{
				{Name: "Soupe à l'oignon", Description: "Gratinée", PriceCents: price(850), Tags: []string{"vegetarian"}},
				{Name: "Tap water", PriceCents: price(0)},
			}},
			{Name: "Mains", Items: []Item{{Name: "Steak frites", PriceCents: price(2450)}}},
		},
	}
}

func fields(t *testing.T, err error) map[string]string {
	t.Helper()
	require.Error(t, err)
	var ve *ValidationError
	require.True(t, errors.As(err, &ve), "want *ValidationError, got %T", err)
	out := map[string]string{}
	for _, f := range ve.Fields {
		out[f.Field] = f.Message
	}
	return out
}

func TestValidDocumentPasses(t *testing.T) {
	d := validDoc()
	assert.NoError(t, d.Validate())
}

func TestValidationRules(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Document)
		field  string
		msg    string
	}{
		{"lowercase currency", func(d *Document) { d.Currency = "eur" }, "currency", "ISO 4217"},
		{"long currency", func(d *Document) { d.Currency = "EURO" }, "currency", "ISO 4217"},
		{"no sections", func(d *Document) { d.Sections = nil }, "sections", "at least 1 section"},
		{"empty section name", func(d *Document) { d.Sections[0].Name = "  " }, "sections[0].name", "must not be empty"},
		{"long section name", func(d *Document) { d.Sections[1].Name = strings.Repeat("é", MaxNameRunes+1) }, "sections[1].name", "at most 120 characters"},
		{"duplicate section", func(d *Document) { d.Sections[1].Name = "starters" }, "sections[1].name", "duplicates the name of sections[0]"},
		{"section without items", func(d *Document) { d.Sections[1].Items = nil }, "sections[1].items", "at least 1 item"},
		{"empty item name", func(d *Document) { d.Sections[0].Items[1].Name = "" }, "sections[0].items[1].name", "must not be empty"},
		{"missing price", func(d *Document) { d.Sections[0].Items[0].PriceCents = nil }, "sections[0].items[0].price_cents", "is required"},
		{"negative price", func(d *Document) { d.Sections[1].Items[0].PriceCents = price(-1) }, "sections[1].items[0].price_cents", ">= 0"},
		{"absurd price", func(d *Document) { d.Sections[1].Items[0].PriceCents = price(MaxPriceCents + 1) }, "sections[1].items[0].price_cents", "<= 100000000"},
		{"long description", func(d *Document) { d.Sections[0].Items[0].Description = strings.Repeat("x", MaxDescRunes+1) }, "sections[0].items[0].description", "at most 1000"},
		{"control char", func(d *Document) { d.Sections[0].Items[0].Name = "bad\x00name" }, "sections[0].items[0].name", "control characters"},
		{"invalid utf8", func(d *Document) { d.Sections[0].Items[0].Name = "bad\xffname" }, "sections[0].items[0].name", "UTF-8"},
		{"empty tag", func(d *Document) { d.Sections[0].Items[0].Tags = []string{""} }, "sections[0].items[0].tags[0]", "must not be empty"},
		{"too many tags", func(d *Document) { d.Sections[0].Items[0].Tags = make([]string, MaxTags+1) }, "sections[0].items[0].tags", "at most 10 tags"},
		{"too many sections", func(d *Document) {
			d.Sections = nil
			for i := 0; i <= MaxSections; i++ {
				d.Sections = append(d.Sections, Section{Name: "s" + strings.Repeat("x", i), Items: []Item{{Name: "i", PriceCents: price(1)}}})
			}
		}, "sections", "at most 50 sections"},
		{"too many items in a section", func(d *Document) {
			items := make([]Item, MaxItemsPerSection+1)
			for i := range items {
				items[i] = Item{Name: "i", PriceCents: price(1)}
			}
			d.Sections[0].Items = items
		}, "sections[0].items", "at most 200 items"},
		{"too many items in total", func(d *Document) {
			d.Sections = nil
			for s := 0; s < 6; s++ {
				items := make([]Item, MaxItemsPerSection)
				for i := range items {
					items[i] = Item{Name: "i", PriceCents: price(1)}
				}
				d.Sections = append(d.Sections, Section{Name: strings.Repeat("s", s+1), Items: items})
			}
		}, "sections", "at most 1000 items in total"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := validDoc()
			tc.mutate(&d)
			got := fields(t, d.Validate())
			require.Contains(t, got, tc.field, "problems: %v", got)
			assert.Contains(t, got[tc.field], tc.msg)
		})
	}
}

func TestValidationReportsAllProblemsButBounded(t *testing.T) {
	d := validDoc()
	d.Currency = "x"
	d.Sections[0].Items[0].PriceCents = nil
	d.Sections[1].Name = ""
	got := fields(t, d.Validate())
	assert.Len(t, got, 3)

	// 200 bad items must not produce 200 messages.
	d = validDoc()
	items := make([]Item, MaxItemsPerSection)
	for i := range items {
		items[i] = Item{Name: "", PriceCents: nil}
	}
	d.Sections[0].Items = items
	err := d.Validate()
	var ve *ValidationError
	require.True(t, errors.As(err, &ve))
	assert.Len(t, ve.Fields, maxReported+1)
	assert.Equal(t, "more problems not shown", ve.Fields[maxReported].Message)
	assert.Contains(t, ve.Error(), "and 41 more")
}

func TestParseRestaurantID(t *testing.T) {
	for in, want := range map[string]int64{"1": 1, "42": 42, "9223372036854775807": 9223372036854775807} {
		got, ok := ParseRestaurantID(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "0", "-1", "+1", "01", "1.0", "abc", "1e3", " 1", "9223372036854775808", "99999999999999999999", "١"} {
		_, ok := ParseRestaurantID(in)
		assert.False(t, ok, "%q must be rejected", in)
	}
}
