package cost

import (
	"strings"

	"github.com/shopspring/decimal"
)

// formatter renders amounts of one currency for people: 2 decimals, thousands separators, the
// symbol of common currencies ($1,303.28, €0.24) or the ISO code after the amount (12.00 CHF).
type formatter struct {
	Currency string
}

var symbols = map[string]string{"USD": "$", "EUR": "€", "GBP": "£"}

// Money formats an amount, "-" prefixed when negative.
func (f formatter) Money(d decimal.Decimal) string {
	sign := ""
	if d.Round(2).IsNegative() {
		sign = "-"
		d = d.Neg()
	}
	s := group(d.StringFixed(2))
	if sym, ok := symbols[f.Currency]; ok {
		return sign + sym + s
	}
	return sign + s + " " + f.Currency
}

// SignedMoney formats a delta with an explicit sign: +$1.00, -$2.00, $0.00.
func (f formatter) SignedMoney(d decimal.Decimal) string {
	if d.Round(2).IsPositive() {
		return "+" + f.Money(d)
	}
	return f.Money(d)
}

// percent formats a percentage with at most one decimal: 12.5%.
func percent(d decimal.Decimal) string {
	s := d.Round(1).String()
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		return "-" + group(rest) + "%"
	}
	return group(s) + "%"
}

// signedPercent formats a percentage change with an explicit sign: +12.5%.
func signedPercent(d decimal.Decimal) string {
	if d.Round(1).IsPositive() {
		return "+" + percent(d)
	}
	return percent(d)
}

func group(fixed string) string {
	intPart, frac, _ := strings.Cut(fixed, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}
