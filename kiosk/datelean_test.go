package kiosk

import "testing"

// Each date field of the simulator's catalogue and the kiosk's samples
// leans where its dates usually are.
func TestFieldDateLean(t *testing.T) {
	for _, tc := range []struct {
		f    Field
		want DateLean
	}{
		{Field{Key: "start_date", Label: "入职日期", LabelEn: "Start date"}, DatePast},
		{Field{Key: "end_date", Label: "离职日期", LabelEn: "Leaving date"}, DatePast},
		{Field{Key: "retire_date", Label: "退休日期", LabelEn: "Retirement date"}, DatePast},
		{Field{Key: "arrival_date", Label: "来沪日期", LabelEn: "Arrival date"}, DatePast},
		{Field{Key: "discharge_date", Label: "退役日期", LabelEn: "Discharge date"}, DatePast},
		{Field{Key: "start", Label: "就业开始日期", LabelEn: "Start date"}, DatePast},
		{Field{Key: "from_month", Label: "起始月份（首日）", LabelEn: "From (first day of month)"}, DateMonth},
		{Field{Key: "to_month", Label: "截止月份（首日）", LabelEn: "To (first day of month)"}, DateMonth},
		{Field{Key: "expected_date", Label: "预产期", LabelEn: "Expected date of birth"}, DateAround},
		{Field{Key: "due", Label: "预产期", LabelEn: "Due date"}, DateAround},
		{Field{Key: "visit", Label: "走访日期", LabelEn: "Visit date"}, DateAround},
	} {
		if got := tc.f.DateLean(); got != tc.want {
			t.Errorf("%s (%s): lean %d, want %d", tc.f.Label, tc.f.Key, got, tc.want)
		}
	}
}
