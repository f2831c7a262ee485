package kiosk

import "strings"

// DateLean is where a date field's dates usually are, so that the
// terminal's date picker opens there: the contract has no word for it, so
// the terminal reads it from the field's key and label.
type DateLean uint8

// Date leans.
const (
	DateAround DateLean = iota // around today: a due date, anything not known
	DatePast                   // a date that has happened: 入职日期, 来沪日期, 退役日期
	DateMonth                  // the first day of a month: 起始月份（首日）
)

// Words of a key or a label that name a month, a coming date and a past
// one. A coming date is looked for before a past one: 预产期's English
// label is "Expected date of birth".
var (
	monthWords  = []string{"月份", "_month", "month)"}
	comingWords = []string{"预产", "预计", "expected", "due"}
	pastWords   = []string{
		"入职", "离职", "退休", "开始", "起始", "来沪", "到达", "抵达", "退役", "出生", "迁入", "登记日期",
		"start", "end_date", "leaving", "retire", "arrival", "discharge", "birth",
	}
)

// DateLean is where the dates of field f, a date, usually are.
func (f Field) DateLean() DateLean {
	text := strings.ToLower(f.Key + " " + f.Label + " " + f.LabelEn)
	has := func(words []string) bool {
		for _, w := range words {
			if strings.Contains(text, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has(monthWords):
		return DateMonth
	case has(comingWords):
		return DateAround
	case has(pastWords):
		return DatePast
	}
	return DateAround
}
