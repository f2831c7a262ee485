package kiosktest

import (
	"strings"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// ID completes 17 digits with their GB 11643 check character.
func ID(first17 string) string {
	c := kiosk.IDCheckChar(first17)
	if c == 0 {
		panic("kiosktest: ID needs 17 digits") // a test's own constant
	}
	return first17 + string(c)
}

// Sample people. Their ID numbers carry the right check characters.
var (
	Resident = kiosk.Person{IDNumber: ID("31011519880312041"), Name: "张晓明", CardType: kiosk.CardResident, Gender: "男", Nation: "汉",
		BirthDate: "1988-03-12", Address: "上海市浦东新区花木路100弄5号", ValidUntil: "2036-05-01"}
	Elder = kiosk.Person{IDNumber: ID("31011519480615082"), Name: "王秀英", CardType: kiosk.CardResident, Gender: "女", Nation: "汉",
		BirthDate: "1948-06-15", Address: "上海市浦东新区锦绣路200弄3号", ValidUntil: "长期"}
	Expired = kiosk.Person{IDNumber: ID("31011519750101123"), Name: "陈建国", CardType: kiosk.CardResident, Gender: "男", Nation: "汉",
		BirthDate: "1975-01-01", Address: "上海市浦东新区东方路1号", ValidUntil: "2020-01-01"}
	AgentPerson = kiosk.Person{IDNumber: ID("31011519920808351"), Name: "李志强", CardType: kiosk.CardResident, Gender: "男", Nation: "汉",
		BirthDate: "1992-08-08", Address: "上海市浦东新区张杨路8号", ValidUntil: "2032-08-08"}
	RareName = kiosk.Person{IDNumber: ID("31011519900101002"), Name: "刘䶮", CardType: kiosk.CardResident, Gender: "男", Nation: "汉",
		BirthDate: "1990-01-01", Address: "上海市浦东新区世纪大道1号", ValidUntil: "2035-01-01"}
)

// SampleInitials are the pinyin initials of the sample items' names.
var SampleInitials = map[string]string{
	"MZ-LNJT": "lnzhjtsq", "MZ-JLK": "jlksl", "MZ-DB": "zdshbzsq", "MZ-YLJZ": "yljz",
	"JS-SYDJ": "sydj", "RS-LHJY": "lhjydj", "RS-JYDJ": "jydj", "RS-SBZM": "sbjfzmdy",
	"YB-CB": "cxjmjbylbxcbdj", "GA-JZDJ": "jzdj", "CL-BT": "cjrlxbt",
}

// SampleCatalog is a small catalogue of Shanghai community items with every
// field type, instant and forwarded items, one item without fields, and a
// calendar with the 2026 holidays around the test dates.
func SampleCatalog() kiosk.Catalog {
	notice := "请如实填写，提交后请留意短信通知。"
	return kiosk.Catalog{
		Version:     "2026.11.1",
		GeneratedAt: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC),
		Calendar: kiosk.Calendar{
			Holidays: []string{"2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07", "2027-01-01"},
			Workdays: []string{"2026-10-10"},
		},
		Items: []kiosk.Item{
			{Code: "MZ-LNJT", Name: "老年综合津贴申请", NameEn: "Senior citizens' allowance", Department: "民政科", Category: "民政",
				Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: true, TimeLimitDays: 5, Fee: "不收费",
				Notice: "年满65周岁的本市户籍老年人可申请。" + notice, LegalBasis: "《上海市老年综合津贴制度实施办法》",
				GuideURL:  "https://zwfw.example.gov.cn/guide/MZ-LNJT",
				Materials: []kiosk.Material{{Name: "居民身份证", Required: true}, {Name: "户口簿", Required: true}, {Name: "银行卡（社保卡）", Note: "用于发放津贴"}},
				Fields: []kiosk.Field{
					{Key: "phone", Label: "联系电话", LabelEn: "Phone", Type: kiosk.FieldPhone, Required: true},
					{Key: "bank", Label: "发放方式", LabelEn: "Paid to", Type: kiosk.FieldChoice, Required: true, Choices: []string{"社保卡", "银行卡"}},
				}},
			{Code: "MZ-JLK", Name: "敬老卡申领", NameEn: "Senior citizen card", Department: "民政科", Category: "民政",
				Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: true, TimeLimitDays: 10, Fee: "不收费",
				Notice: notice, LegalBasis: "《上海市老年人权益保障条例》",
				Materials: []kiosk.Material{{Name: "居民身份证", Required: true}}},
			{Code: "JS-SYDJ", Name: "生育登记", NameEn: "Birth registration", Department: "计生办", Category: "计生",
				Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: false, TimeLimitDays: 0, Fee: "不收费",
				Notice: notice, LegalBasis: "《上海市人口与计划生育条例》",
				Materials: []kiosk.Material{{Name: "夫妻双方居民身份证", Required: true}, {Name: "结婚证", Required: false, Note: "未婚可不提供"}},
				Fields: []kiosk.Field{
					{Key: "spouse_id", Label: "配偶身份证号", LabelEn: "Spouse's ID number", Type: kiosk.FieldIDNumber, Required: true},
					{Key: "due", Label: "预产期", LabelEn: "Due date", Type: kiosk.FieldDate, Required: true},
					{Key: "order", Label: "孩次", LabelEn: "Child", Type: kiosk.FieldChoice, Required: true, Choices: []string{"第一孩", "第二孩", "第三孩及以上"}},
					{Key: "phone", Label: "联系电话", LabelEn: "Phone", Type: kiosk.FieldPhone, Required: true},
				}},
			{Code: "RS-LHJY", Name: "灵活就业登记", NameEn: "Flexible employment registration", Department: "社保服务", Category: "人社",
				Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: true, TimeLimitDays: 3, Fee: "不收费",
				Notice: notice, LegalBasis: "《就业服务与就业管理规定》",
				Materials: []kiosk.Material{{Name: "居民身份证", Required: true}},
				Fields: []kiosk.Field{
					{Key: "start", Label: "就业开始日期", LabelEn: "Start date", Type: kiosk.FieldDate, Required: true},
					{Key: "months", Label: "预计月数", LabelEn: "Months expected", Type: kiosk.FieldDigits, Required: false, MaxLen: 3},
					{Key: "remark", Label: "备注", LabelEn: "Remark", Type: kiosk.FieldText, Required: false, MaxLen: 50},
				}},
			{Code: "RS-JYDJ", Name: "就业登记", NameEn: "Employment registration", Department: "社保服务", Category: "人社",
				Kind: kiosk.KindInstant, SelfService: false, Districtwide: true, TimeLimitDays: 1, Fee: "不收费",
				Notice: "请携带劳动合同到窗口办理。", Materials: []kiosk.Material{{Name: "劳动合同", Required: true}}},
			{Code: "RS-SBZM", Name: "社保缴费证明打印", NameEn: "Social insurance payment certificate", Department: "社保服务", Category: "人社",
				Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: true, TimeLimitDays: 0, Fee: "不收费",
				Notice: "提交后凭回执到窗口领取证明。"},
			{Code: "YB-CB", Name: "城乡居民基本医疗保险参保登记", NameEn: "Basic medical insurance enrolment", Department: "医保服务", Category: "医保",
				Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: true, TimeLimitDays: 5, Fee: "按年度标准缴费",
				Notice: notice, LegalBasis: "《上海市城乡居民基本医疗保险办法》",
				Materials: []kiosk.Material{{Name: "居民身份证", Required: true}, {Name: "户口簿或居住证", Required: true}},
				Fields: []kiosk.Field{
					{Key: "kind", Label: "参保类别", LabelEn: "Category", Type: kiosk.FieldChoice, Required: true, Choices: []string{"60周岁以上", "18至59周岁", "中小学生", "婴幼儿"}},
					{Key: "phone", Label: "联系电话", LabelEn: "Phone", Type: kiosk.FieldPhone, Required: true},
				}},
			{Code: "GA-JZDJ", Name: "居住登记", NameEn: "Residence registration", Department: "公安", Category: "公安",
				Kind: kiosk.KindInstant, SelfService: false, Districtwide: true, TimeLimitDays: 0, Fee: "不收费",
				Notice: "请本人到窗口办理。", Materials: []kiosk.Material{{Name: "居民身份证", Required: true}, {Name: "租赁合同或房产证", Required: true}}},
			{Code: "MZ-DB", Name: "最低生活保障申请", NameEn: "Minimum living allowance", Department: "民政科", Category: "民政",
				Kind: kiosk.KindForwarded, TimeLimitDays: 30, Fee: "不收费", Notice: "需经家庭经济状况核对，请到窗口申请。",
				LegalBasis: "《社会救助暂行办法》", Materials: []kiosk.Material{{Name: "居民身份证", Required: true}, {Name: "家庭收入证明", Required: true}}},
			{Code: "MZ-YLJZ", Name: "医疗救助", NameEn: "Medical assistance", Department: "民政科", Category: "民政",
				Kind: kiosk.KindForwarded, TimeLimitDays: 20, Fee: "不收费", Notice: "请到窗口申请。",
				Materials: []kiosk.Material{{Name: "医疗费用票据", Required: true}}},
			{Code: "CL-BT", Name: "残疾人两项补贴", NameEn: "Disability allowances", Department: "残联", Category: "残联",
				Kind: kiosk.KindForwarded, TimeLimitDays: 20, Fee: "不收费", Notice: "请携带残疾人证到窗口申请。",
				Materials: []kiosk.Material{{Name: "残疾人证", Required: true}}},
		},
	}
}

// SampleCases are cases of Resident in every state a resident may see.
func SampleCases(now time.Time) []kiosk.Case {
	day := func(d int) time.Time { return now.AddDate(0, 0, -d) }
	return []kiosk.Case{
		{CaseNo: "PD2026111900007", ItemCode: "MZ-LNJT", ItemName: "老年综合津贴申请", Department: "民政科", Status: kiosk.StatusProcessing,
			SubmittedAt: day(8), DueDate: now.AddDate(0, 0, 2).Format(kiosk.DateLayout), Channel: kiosk.ChannelTerminal,
			TrackURL: "https://zwfw.example.gov.cn/track/PD2026111900007",
			History: []kiosk.CaseEvent{
				{At: day(8), Status: kiosk.StatusReceived, Department: "花木街道社区事务受理服务中心"},
				{At: day(7), Status: kiosk.StatusAccepted, Department: "民政科"},
				{At: day(3), Status: kiosk.StatusProcessing, Department: "民政科", Note: "审核中"},
			}},
		{CaseNo: "PD2026100800031", ItemCode: "RS-SBZM", ItemName: "社保缴费证明打印", Department: "社保服务", Status: kiosk.StatusCompleted,
			SubmittedAt: day(50), DueDate: day(49).Format(kiosk.DateLayout), Channel: kiosk.ChannelCounter, Result: "已出具证明，请到3号窗口领取",
			TrackURL: "https://zwfw.example.gov.cn/track/PD2026100800031",
			History: []kiosk.CaseEvent{
				{At: day(50), Status: kiosk.StatusAccepted, Department: "社保服务"},
				{At: day(49), Status: kiosk.StatusCompleted, Department: "社保服务", Note: "已办结"},
			}},
		{CaseNo: "PD2026111400012", ItemCode: "MZ-YLJZ", ItemName: "医疗救助", Department: "民政科", Status: kiosk.StatusNeedsMore,
			SubmittedAt: day(13), DueDate: now.AddDate(0, 0, 5).Format(kiosk.DateLayout), Channel: kiosk.ChannelCounter,
			TrackURL: "https://zwfw.example.gov.cn/track/PD2026111400012",
			History: []kiosk.CaseEvent{
				{At: day(13), Status: kiosk.StatusReceived, Department: "花木街道社区事务受理服务中心", Note: "窗口收件"},
				{At: day(12), Status: kiosk.StatusForwarded, Department: "民政科", Note: "流转审核"},
				{At: day(2), Status: kiosk.StatusNeedsMore, Department: "民政科", Note: "请补充出院小结和医疗费用发票原件"},
			}},
	}
}

// Characters is a kiosk.CharacterSource over a small table of syllables,
// enough for the sample names.
type Characters map[string][]string

// SampleCharacters covers the sample people's names and a few more.
var SampleCharacters = Characters{
	"zhang": {"张", "章", "长"}, "wang": {"王", "汪", "望"}, "li": {"李", "黎", "丽", "立"},
	"xiao": {"小", "晓", "肖"}, "ming": {"明", "名", "鸣"}, "xiu": {"秀", "修"}, "ying": {"英", "颖", "莹"},
	"chen": {"陈", "晨"}, "liu": {"刘", "柳"}, "yan": {"䶮", "燕", "艳", "岩"}, "zhi": {"志", "智"}, "qiang": {"强"},
	"jian": {"建", "健"}, "guo": {"国", "郭"},
}

// Continues reports whether a longer syllable starts with prefix.
func (c Characters) Continues(prefix string) bool {
	for syl := range c {
		if len(syl) > len(prefix) && strings.HasPrefix(syl, prefix) {
			return true
		}
	}
	return false
}

// Candidates returns the characters of syllable py, at most limit.
func (c Characters) Candidates(py string, limit int) []string {
	out := c[py]
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return append([]string(nil), out...)
}
