package intakesim

import (
	"sort"
	"time"

	"github.com/pudong-community/kiosk/kiosk"
)

// This file holds the simulator's own sample catalogue: Shanghai community
// affairs items as residents know them, written for this project. Codes,
// time limits and legal references are realistic, not official.

func phoneField() kiosk.Field {
	return kiosk.Field{Key: "phone", Label: "联系电话", LabelEn: "Mobile phone", Type: kiosk.FieldPhone, Required: true, MaxLen: 11}
}

func noteField() kiosk.Field {
	return kiosk.Field{Key: "note", Label: "备注", LabelEn: "Remarks", Type: kiosk.FieldText, MaxLen: 200}
}

func choiceField(key, label, labelEn string, required bool, choices ...string) kiosk.Field {
	return kiosk.Field{Key: key, Label: label, LabelEn: labelEn, Type: kiosk.FieldChoice, Required: required, Choices: choices}
}

func mat(name string, required bool, note string) kiosk.Material {
	return kiosk.Material{Name: name, Required: required, Note: note}
}

var idCard = mat("本人有效身份证件", true, "居民身份证、港澳台居民居住证或外国人永久居留身份证原件")

const (
	deptMZ = "区民政局"
	deptRS = "区人力资源和社会保障局"
	deptYB = "区医疗保障局"
	deptWJ = "区卫生健康委员会"
	deptGA = "浦东公安分局"
	deptCL = "区残疾人联合会"
	deptTY = "区退役军人事务局"
	deptJS = "区建设和交通委员会"
)

func seedItems() []kiosk.Item {
	return []kiosk.Item{
		// Self-service instant items.
		{Code: "MZ-0101", Name: "敬老卡申领", NameEn: "Senior citizen card application", Department: deptMZ, Category: "老龄",
			Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: true, TimeLimitDays: 0, Fee: "免费",
			Notice:     "年满60周岁的本市户籍老人可申领敬老卡。卡片制作完成后按选择的方式领取。",
			LegalBasis: "《上海市老年人权益保障条例》",
			Materials:  []kiosk.Material{idCard, mat("近期一寸免冠照片", false, "终端可现场拍照")},
			Fields: []kiosk.Field{phoneField(),
				choiceField("pickup", "领取方式", "Pick-up", true, "社区事务受理服务中心自取", "邮寄到户籍地址"),
				noteField()}},
		{Code: "MZ-0102", Name: "老年综合津贴申请", NameEn: "Senior comprehensive allowance", Department: deptMZ, Category: "老龄",
			Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: true, TimeLimitDays: 5, Fee: "免费",
			Notice:     "年满65周岁的本市户籍老人可申请。津贴按月发放至本人社会保障卡银行账户。",
			LegalBasis: "《上海市老年综合津贴制度实施办法》",
			Materials:  []kiosk.Material{idCard, mat("社会保障卡", true, "用于津贴发放")},
			Fields: []kiosk.Field{phoneField(),
				{Key: "bank_card", Label: "社保卡金融账号", LabelEn: "Social security card bank account", Type: kiosk.FieldDigits, Required: true, MaxLen: 19},
				noteField()}},
		{Code: "WJ-0201", Name: "生育登记", NameEn: "Birth registration (family planning)", Department: deptWJ, Category: "计生",
			Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: false, TimeLimitDays: 0, Fee: "免费",
			Notice:     "夫妻双方任一方为本市户籍的，可在怀孕后或子女出生后办理生育登记。",
			LegalBasis: "《上海市人口与计划生育条例》",
			Materials:  []kiosk.Material{idCard, mat("结婚证", false, "已婚夫妻提供")},
			Fields: []kiosk.Field{phoneField(),
				{Key: "spouse_id", Label: "配偶身份证号", LabelEn: "Spouse's ID number", Type: kiosk.FieldIDNumber, Required: true},
				{Key: "spouse_name", Label: "配偶姓名", LabelEn: "Spouse's name", Type: kiosk.FieldText, MaxLen: 30},
				{Key: "expected_date", Label: "预产期", LabelEn: "Expected date of birth", Type: kiosk.FieldDate, Required: true},
				choiceField("child_order", "本次生育孩次", "Birth order", true, "一孩", "二孩", "三孩及以上")}},
		{Code: "WJ-0202", Name: "独生子女父母奖励", NameEn: "One-child parents' reward", Department: deptWJ, Category: "计生",
			Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: true, TimeLimitDays: 3, Fee: "免费",
			Notice:     "持有《独生子女父母光荣证》的本市户籍人员，退休时可申领一次性奖励。",
			LegalBasis: "《上海市人口与计划生育条例》",
			Materials:  []kiosk.Material{idCard, mat("独生子女父母光荣证", true, "")},
			Fields: []kiosk.Field{phoneField(),
				{Key: "certificate_no", Label: "光荣证编号", LabelEn: "Certificate number", Type: kiosk.FieldDigits, Required: true, MaxLen: 12},
				{Key: "retire_date", Label: "退休日期", LabelEn: "Retirement date", Type: kiosk.FieldDate, Required: true}}},
		{Code: "RS-0301", Name: "就业登记", NameEn: "Employment registration", Department: deptRS, Category: "就业",
			Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: false, TimeLimitDays: 0, Fee: "免费",
			Notice:     "劳动者与用人单位建立劳动关系后，办理就业登记。",
			LegalBasis: "《就业服务与就业管理规定》",
			Materials:  []kiosk.Material{idCard, mat("劳动合同", true, "")},
			Fields: []kiosk.Field{phoneField(),
				{Key: "employer_code", Label: "用人单位统一社会信用代码", LabelEn: "Employer credit code", Type: kiosk.FieldText, MaxLen: 18},
				{Key: "start_date", Label: "入职日期", LabelEn: "Start date", Type: kiosk.FieldDate, Required: true}}},
		{Code: "RS-0302", Name: "退工登记", NameEn: "Employment termination registration", Department: deptRS, Category: "就业",
			Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: false, TimeLimitDays: 0, Fee: "免费",
			Notice:     "劳动关系终止或解除后，办理退工登记。",
			LegalBasis: "《就业服务与就业管理规定》",
			Materials:  []kiosk.Material{idCard, mat("解除或终止劳动合同证明", true, "")},
			Fields: []kiosk.Field{phoneField(),
				{Key: "end_date", Label: "离职日期", LabelEn: "Leaving date", Type: kiosk.FieldDate, Required: true},
				choiceField("reason", "退工原因", "Reason", true, "合同期满", "协商解除", "个人辞职", "单位解除")}},
		{Code: "RS-0303", Name: "灵活就业登记", NameEn: "Flexible employment registration", Department: deptRS, Category: "就业",
			Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: false, TimeLimitDays: 0, Fee: "免费",
			Notice:     "以非全日制、临时性、季节性、弹性工作等灵活形式就业的人员可办理。",
			LegalBasis: "《上海市就业促进条例》",
			Materials:  []kiosk.Material{idCard},
			Fields: []kiosk.Field{phoneField(),
				choiceField("work_type", "就业形式", "Type of work", true, "非全日制", "个体经营", "新就业形态", "其他"),
				{Key: "start_date", Label: "开始日期", LabelEn: "Start date", Type: kiosk.FieldDate, Required: true}}},
		{Code: "RS-0304", Name: "社保缴费证明打印", NameEn: "Social insurance payment certificate", Department: deptRS, Category: "社保",
			Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: true, TimeLimitDays: 0, Fee: "免费",
			Notice:     "可打印本人社会保险缴费记录，用于购房、落户、子女入学等。",
			LegalBasis: "《中华人民共和国社会保险法》",
			Materials:  []kiosk.Material{idCard},
			Fields: []kiosk.Field{
				{Key: "from_month", Label: "起始月份（首日）", LabelEn: "From (first day of month)", Type: kiosk.FieldDate, Required: true},
				{Key: "to_month", Label: "截止月份（首日）", LabelEn: "To (first day of month)", Type: kiosk.FieldDate, Required: true},
				choiceField("purpose", "用途", "Purpose", false, "购房", "落户", "子女入学", "其他")}},
		{Code: "YB-0401", Name: "城乡居民基本医疗保险参保登记", NameEn: "Resident basic medical insurance enrolment", Department: deptYB, Category: "医保",
			Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: true, TimeLimitDays: 0, Fee: "按年度缴费标准",
			Notice:     "每年9月至12月为集中登记缴费期，次年1月1日起享受待遇。",
			LegalBasis: "《上海市城乡居民基本医疗保险办法》",
			Materials:  []kiosk.Material{idCard, mat("户口簿", false, "非本人办理时提供")},
			Fields: []kiosk.Field{phoneField(),
				choiceField("group", "参保人员类别", "Category", true, "60周岁以上", "18-59周岁", "中小学生和婴幼儿", "大学生")}},
		{Code: "YB-0402", Name: "医保个人账户余额查询打印", NameEn: "Medical insurance account statement", Department: deptYB, Category: "医保",
			Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: true, TimeLimitDays: 0, Fee: "免费",
			Notice:     "打印本人医保账户余额及近一年使用记录。",
			LegalBasis: "《上海市基本医疗保险办法》",
			Materials:  []kiosk.Material{idCard},
			Fields:     []kiosk.Field{choiceField("year", "年度", "Year", true, "2025", "2026")}},
		{Code: "GA-0501", Name: "居住证签注", NameEn: "Residence permit renewal endorsement", Department: deptGA, Category: "居住证",
			Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: false, TimeLimitDays: 0, Fee: "免费",
			Notice:     "居住证有效期满前，持证人在本市连续居住的，应办理签注手续。",
			LegalBasis: "《上海市居住证管理办法》",
			Materials:  []kiosk.Material{idCard, mat("上海市居住证", true, ""), mat("居住证明", true, "租赁合同或产权证明")},
			Fields: []kiosk.Field{phoneField(),
				{Key: "permit_no", Label: "居住证号码", LabelEn: "Residence permit number", Type: kiosk.FieldDigits, Required: true, MaxLen: 18},
				{Key: "address_code", Label: "居住地址编码", LabelEn: "Address code", Type: kiosk.FieldDigits, MaxLen: 12}}},
		{Code: "GA-0502", Name: "居住登记", NameEn: "Residence registration", Department: deptGA, Category: "居住证",
			Kind: kiosk.KindInstant, SelfService: true, Districtwide: false, AgentAllowed: true, TimeLimitDays: 0, Fee: "免费",
			Notice:     "来沪人员应在抵达居住地后30日内办理居住登记。",
			LegalBasis: "《上海市实有人口服务和管理若干规定》",
			Materials:  []kiosk.Material{idCard, mat("租赁合同或住所证明", true, "")},
			Fields: []kiosk.Field{phoneField(),
				{Key: "arrival_date", Label: "来沪日期", LabelEn: "Arrival date", Type: kiosk.FieldDate, Required: true},
				choiceField("housing", "居住类型", "Housing", true, "租赁", "自有", "单位宿舍", "亲友家")}},
		{Code: "MZ-0103", Name: "高龄老人营养补贴申请", NameEn: "Nutrition subsidy for the very old", Department: deptMZ, Category: "老龄",
			Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: true, TimeLimitDays: 5, Fee: "免费",
			Notice:     "年满90周岁的本区户籍老人可申请。",
			LegalBasis: "浦东新区高龄老人营养补贴实施细则",
			Materials:  []kiosk.Material{idCard},
			Fields: []kiosk.Field{phoneField(),
				{Key: "carer_id", Label: "联系人身份证号", LabelEn: "Carer's ID number", Type: kiosk.FieldIDNumber}}},
		{Code: "TY-0601", Name: "退役军人优待证申领", NameEn: "Veteran preferential card", Department: deptTY, Category: "退役军人",
			Kind: kiosk.KindInstant, SelfService: true, Districtwide: true, AgentAllowed: false, TimeLimitDays: 15, Fee: "免费",
			Notice:     "已完成信息采集的退役军人可申领优待证。",
			LegalBasis: "《中华人民共和国退役军人保障法》",
			Materials:  []kiosk.Material{idCard, mat("退出现役证明", true, "")},
			Fields: []kiosk.Field{phoneField(),
				{Key: "discharge_date", Label: "退役日期", LabelEn: "Discharge date", Type: kiosk.FieldDate, Required: true}}},

		// Instant items handled at the counter only.
		{Code: "MZ-0104", Name: "居家养老服务补贴", NameEn: "Home care service subsidy", Department: deptMZ, Category: "老龄",
			Kind: kiosk.KindInstant, Districtwide: true, AgentAllowed: true, TimeLimitDays: 10, Fee: "免费",
			Notice: "经老年照护统一需求评估符合条件的老人可申请。", LegalBasis: "《上海市养老服务条例》",
			Materials: []kiosk.Material{idCard, mat("照护需求评估结果", true, "")}},
		{Code: "MZ-0105", Name: "婚姻状况证明（查询）", NameEn: "Marital status record inquiry", Department: deptMZ, Category: "婚姻",
			Kind: kiosk.KindInstant, Districtwide: true, TimeLimitDays: 0, Fee: "免费",
			Notice: "查询本人在本市的婚姻登记记录。", LegalBasis: "《婚姻登记条例》",
			Materials: []kiosk.Material{idCard}},
		{Code: "RS-0305", Name: "失业保险金申领", NameEn: "Unemployment benefit claim", Department: deptRS, Category: "就业",
			Kind: kiosk.KindInstant, Districtwide: true, TimeLimitDays: 0, Fee: "免费",
			Notice: "非因本人意愿中断就业且已办理失业登记的人员可申领。", LegalBasis: "《失业保险条例》",
			Materials: []kiosk.Material{idCard, mat("社会保障卡", true, "")}},
		{Code: "RS-0306", Name: "失业登记", NameEn: "Unemployment registration", Department: deptRS, Category: "就业",
			Kind: kiosk.KindInstant, Districtwide: true, TimeLimitDays: 0, Fee: "免费",
			Notice: "法定劳动年龄内有劳动能力和就业要求的失业人员可办理。", LegalBasis: "《就业服务与就业管理规定》",
			Materials: []kiosk.Material{idCard}},
		{Code: "RS-0307", Name: "社会保障卡补换卡", NameEn: "Social security card replacement", Department: deptRS, Category: "社保",
			Kind: kiosk.KindInstant, Districtwide: true, AgentAllowed: true, TimeLimitDays: 10, Fee: "免费",
			Notice: "社会保障卡遗失或损坏的，可申请补换。", LegalBasis: "《上海市社会保障卡管理办法》",
			Materials: []kiosk.Material{idCard}},
		{Code: "YB-0403", Name: "医保关系转移接续", NameEn: "Medical insurance transfer", Department: deptYB, Category: "医保",
			Kind: kiosk.KindInstant, Districtwide: true, TimeLimitDays: 15, Fee: "免费",
			Notice: "跨统筹地区流动就业人员可办理基本医保关系转移。", LegalBasis: "《流动就业人员基本医疗保障关系转移接续暂行办法》",
			Materials: []kiosk.Material{idCard, mat("参保凭证", true, "")}},
		{Code: "YB-0404", Name: "异地就医备案", NameEn: "Registration for medical care elsewhere", Department: deptYB, Category: "医保",
			Kind: kiosk.KindInstant, Districtwide: true, AgentAllowed: true, TimeLimitDays: 0, Fee: "免费",
			Notice: "长期异地居住或异地转诊人员可办理备案。", LegalBasis: "国家医保局跨省异地就医直接结算规定",
			Materials: []kiosk.Material{idCard, mat("异地居住证明或转诊证明", true, "")}},
		{Code: "WJ-0203", Name: "计划生育家庭特别扶助", NameEn: "Special assistance for family-planning families", Department: deptWJ, Category: "计生",
			Kind: kiosk.KindInstant, Districtwide: false, AgentAllowed: true, TimeLimitDays: 20, Fee: "免费",
			Notice: "独生子女伤残或死亡的家庭，符合条件的可申请。", LegalBasis: "《上海市人口与计划生育条例》",
			Materials: []kiosk.Material{idCard, mat("独生子女父母光荣证", true, ""), mat("子女伤残或死亡证明", true, "")}},
		{Code: "GA-0503", Name: "居住证积分申请受理", NameEn: "Residence permit points application", Department: deptGA, Category: "居住证",
			Kind: kiosk.KindInstant, Districtwide: true, TimeLimitDays: 20, Fee: "免费",
			Notice: "持有效居住证的人员可申请积分，积分达标享受相应公共服务。", LegalBasis: "《上海市居住证积分管理办法》",
			Materials: []kiosk.Material{idCard, mat("学历、职称等证明材料", true, "")}},
		{Code: "CL-0701", Name: "残疾人证申领", NameEn: "Disability certificate application", Department: deptCL, Category: "残疾人",
			Kind: kiosk.KindInstant, Districtwide: false, AgentAllowed: true, TimeLimitDays: 20, Fee: "免费",
			Notice: "须到指定医院进行残疾评定。", LegalBasis: "《中华人民共和国残疾人保障法》",
			Materials: []kiosk.Material{idCard, mat("近期二寸免冠照片", true, "3张")}},
		{Code: "JS-0801", Name: "老年人交通卡优惠登记", NameEn: "Senior transport card registration", Department: deptJS, Category: "老龄",
			Kind: kiosk.KindInstant, Districtwide: true, AgentAllowed: true, TimeLimitDays: 0, Fee: "免费",
			Notice: "70周岁以上老人可登记享受公交优惠。", LegalBasis: "浦东新区老年人乘车优惠办法",
			Materials: []kiosk.Material{idCard, mat("敬老卡", true, "")}},

		// Forwarded items (流转件), never self-service.
		{Code: "MZ-0201", Name: "最低生活保障申请", NameEn: "Minimum living allowance (dibao)", Department: deptMZ, Category: "社会救助",
			Kind: kiosk.KindForwarded, Districtwide: false, AgentAllowed: true, TimeLimitDays: 30, Fee: "免费",
			Notice:     "家庭月人均收入低于本市最低生活保障标准且财产符合规定的家庭可申请，需经家庭经济状况核对。",
			LegalBasis: "《社会救助暂行办法》《上海市社会救助条例》",
			Materials: []kiosk.Material{idCard, mat("户口簿", true, ""), mat("家庭收入证明", true, ""),
				mat("家庭经济状况核对授权书", true, "全体家庭成员签字")}},
		{Code: "MZ-0202", Name: "医疗救助", NameEn: "Medical assistance", Department: deptMZ, Category: "社会救助",
			Kind: kiosk.KindForwarded, Districtwide: false, AgentAllowed: true, TimeLimitDays: 20, Fee: "免费",
			Notice: "低保、低收入家庭成员及因病支出型贫困家庭成员可申请。", LegalBasis: "《上海市社会救助条例》",
			Materials: []kiosk.Material{idCard, mat("医疗费用发票", true, "原件"), mat("出院小结", false, "")}},
		{Code: "MZ-0203", Name: "临时救助", NameEn: "Temporary assistance", Department: deptMZ, Category: "社会救助",
			Kind: kiosk.KindForwarded, Districtwide: true, AgentAllowed: true, TimeLimitDays: 15, Fee: "免费",
			Notice: "因火灾、交通事故等意外事件或重大疾病导致基本生活暂时困难的家庭可申请。", LegalBasis: "《社会救助暂行办法》",
			Materials: []kiosk.Material{idCard, mat("困难情况证明", true, "")}},
		{Code: "MZ-0204", Name: "特困人员救助供养", NameEn: "Support for persons in extreme poverty", Department: deptMZ, Category: "社会救助",
			Kind: kiosk.KindForwarded, Districtwide: false, AgentAllowed: true, TimeLimitDays: 30, Fee: "免费",
			Notice: "无劳动能力、无生活来源、无法定赡养抚养扶养义务人的老年人、残疾人和未成年人。", LegalBasis: "《社会救助暂行办法》",
			Materials: []kiosk.Material{idCard, mat("户口簿", true, "")}},
		{Code: "CL-0702", Name: "残疾人两项补贴", NameEn: "Two disability subsidies", Department: deptCL, Category: "残疾人",
			Kind: kiosk.KindForwarded, Districtwide: false, AgentAllowed: true, TimeLimitDays: 20, Fee: "免费",
			Notice: "困难残疾人生活补贴和重度残疾人护理补贴。", LegalBasis: "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》",
			Materials: []kiosk.Material{idCard, mat("残疾人证", true, "")}},
		{Code: "MZ-0205", Name: "长期护理保险需求评估申请", NameEn: "Long-term care needs assessment", Department: deptYB, Category: "老龄",
			Kind: kiosk.KindForwarded, Districtwide: true, AgentAllowed: true, TimeLimitDays: 15, Fee: "免费",
			Notice: "60周岁及以上参加本市职工医保或居民医保的人员可申请评估。", LegalBasis: "《上海市长期护理保险试点办法》",
			Materials: []kiosk.Material{idCard, mat("社会保障卡", true, "")}},
		{Code: "TY-0602", Name: "退役军人困难帮扶援助", NameEn: "Hardship assistance for veterans", Department: deptTY, Category: "退役军人",
			Kind: kiosk.KindForwarded, Districtwide: false, AgentAllowed: true, TimeLimitDays: 20, Fee: "免费",
			Notice: "生活困难的退役军人可申请帮扶援助。", LegalBasis: "《中华人民共和国退役军人保障法》",
			Materials: []kiosk.Material{idCard, mat("困难情况说明", true, "")}},
		{Code: "WJ-0204", Name: "病残儿医学鉴定申请", NameEn: "Medical assessment of a disabled child", Department: deptWJ, Category: "计生",
			Kind: kiosk.KindForwarded, Districtwide: false, TimeLimitDays: 30, Fee: "免费",
			Notice: "子女患病残需申请医学鉴定的家庭。", LegalBasis: "《病残儿医学鉴定管理办法》",
			Materials: []kiosk.Material{idCard, mat("病历资料", true, "")}},

		// Done elsewhere, not at the centre: listed so that residents (and
		// the terminal, for an expired card) learn where to go. Kept last so
		// that the items above keep their guide pages (every third has none).
		{Code: "GA-0504", Name: "居民身份证换领", NameEn: "Resident ID card renewal", Department: deptGA, Category: "居住证",
			Kind: kiosk.KindInstant, Districtwide: true, AgentAllowed: false, TimeLimitDays: 0, Fee: "20元",
			Notice:     "身份证有效期满或即将期满的，请到户籍所在地或居住地公安派出所户籍窗口换领，须本人到场现场采集照片和指纹；本中心居住证窗口可咨询。",
			LegalBasis: "《中华人民共和国居民身份证法》",
			Materials:  []kiosk.Material{mat("原居民身份证", true, "")}},
	}
}

// Calendars. 2026 follows the State Council's holiday notice for 2026.
// 2027 is this project's projection (lunar dates placed by the usual
// pattern) until the notice is published: replace it then.
var (
	holidays2026 = []string{
		"2026-01-01", "2026-01-02", "2026-01-03",
		"2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23",
		"2026-04-04", "2026-04-05", "2026-04-06",
		"2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05",
		"2026-06-19", "2026-06-20", "2026-06-21",
		"2026-09-25", "2026-09-26", "2026-09-27",
		"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07",
	}
	workdays2026 = []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}
	holidays2027 = []string{
		"2027-01-01", "2027-01-02", "2027-01-03",
		"2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12", "2027-02-13",
		"2027-04-03", "2027-04-04", "2027-04-05",
		"2027-05-01", "2027-05-02", "2027-05-03", "2027-05-04", "2027-05-05",
		"2027-06-09", "2027-06-10", "2027-06-11",
		"2027-09-15", "2027-09-16", "2027-09-17",
		"2027-10-01", "2027-10-02", "2027-10-03", "2027-10-04", "2027-10-05", "2027-10-06", "2027-10-07",
	}
	workdays2027 = []string{"2027-01-31", "2027-02-20", "2027-04-25", "2027-06-12", "2027-09-18", "2027-09-26", "2027-10-09"}
)

func seedCalendar() kiosk.Calendar {
	cal := kiosk.Calendar{}
	cal.Holidays = append(append(cal.Holidays, holidays2026...), holidays2027...)
	cal.Workdays = append(append(cal.Workdays, workdays2026...), workdays2027...)
	return cal
}

// DefaultGuideBaseURL is where the seeded catalogue's guide pages are: an
// example host, for the terminal's allow-list (display.guide_hosts) to
// name.
const DefaultGuideBaseURL = "https://ywtb.pudong.example/guide/"

// rules are the sample items' eligibility (v1.1).
var rules = map[string]*kiosk.Eligibility{
	"MZ-0101": {MinAge: 60, CardTypes: []kiosk.CardType{kiosk.CardResident},
		Note: "年满60周岁的本市户籍老人", NoteEn: "Shanghai residents aged 60 or over"},
	"MZ-0102": {MinAge: 65, CardTypes: []kiosk.CardType{kiosk.CardResident},
		Note: "年满65周岁的本市户籍老人", NoteEn: "Shanghai residents aged 65 or over"},
	"MZ-0103": {MinAge: 90, CardTypes: []kiosk.CardType{kiosk.CardResident},
		Note: "年满90周岁的本区户籍老人", NoteEn: "Pudong residents aged 90 or over"},
	"JS-0801": {MinAge: 70, Note: "年满70周岁的老人", NoteEn: "people aged 70 or over"},
	"MZ-0205": {MinAge: 60, Note: "年满60周岁的参保人员", NoteEn: "insured people aged 60 or over"},
	"RS-0306": {MinAge: 16, MaxAge: 59, Note: "法定劳动年龄内（16至59周岁）的失业人员", NoteEn: "unemployed people of working age (16 to 59)"},
}

// counterOf is an item's counter category: its own category's counters,
// or the general ones for statements printed on demand.
func counterOf(it kiosk.Item) string {
	if repeatable[it.Code] {
		return kiosk.CounterGeneral
	}
	return it.Category
}

func seedCatalog(now time.Time, guideBase string) kiosk.Catalog {
	items := seedItems()
	for i := range items { // the contract's lists are never null
		if items[i].Materials == nil {
			items[i].Materials = []kiosk.Material{}
		}
		if items[i].Fields == nil {
			items[i].Fields = []kiosk.Field{}
		}
		// As in a real catalogue, not every item has a guide page of its
		// own: every third has none.
		if i%3 != 2 {
			items[i].GuideURL = guideBase + items[i].Code
		}
		items[i].CounterCategory = counterOf(items[i])
		items[i].Eligibility = rules[items[i].Code]
	}
	// The statements printed on demand come first (the most asked for, and
	// open to anyone any number of times); the rest keep their order.
	sort.SliceStable(items, func(i, j int) bool { return repeatable[items[i].Code] && !repeatable[items[j].Code] })
	return kiosk.Catalog{
		Version:     "2026.11.1",
		GeneratedAt: now.In(shanghai).Truncate(time.Second),
		Items:       items,
		Calendar:    seedCalendar(),
	}
}
