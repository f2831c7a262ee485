package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/pudong-community/kiosk/kiosk"
)

// maintVoiceScreen lets staff hear every prompt in both languages and set
// the volume (until the terminal restarts; voice.volume keeps it).
type maintVoiceScreen struct{}

func (v *maintVoiceScreen) Name() string  { return "maint.voice" }
func (v *maintVoiceScreen) Title() string { return "maint.voice" }
func (v *maintVoiceScreen) load(a *App)   {}

func (v *maintVoiceScreen) Build(a *App) fyne.CanvasObject {
	c := a.maint()
	if c == nil || c.opts.Voice == nil {
		return body(a.T("maint.noservice"))
	}
	vc := c.opts.Voice
	h := vc.Health()
	rows := []fyne.CanvasObject{panel(body(a.T("maint.voice.health", string(h.State), h.Detail)))}
	set := func(d int) func() {
		return func() {
			vc.SetVolume(vc.Volume() + d)
			vc.Test(kiosk.Prompt{ID: kiosk.PromptCardRead, English: a.lang == English})
			a.render()
		}
	}
	rows = append(rows,
		body(a.T("maint.voice.volume", vc.Volume())),
		container.NewGridWithColumns(2,
			a.maintButton("maint.voice.quieter", a.T("maint.voice.quieter"), styleSecondary, set(-10)),
			a.maintButton("maint.voice.louder", a.T("maint.voice.louder"), styleSecondary, set(10))),
		body(a.T("maint.voice.note")))
	for _, id := range kiosk.Prompts {
		play := func(english bool) func() {
			return func() { vc.Test(kiosk.Prompt{ID: id, English: english}) }
		}
		rows = append(rows, body(a.T(id.Key())), container.NewGridWithColumns(2,
			a.maintButton("maint.voice.play:"+string(id)+":zh", a.T("maint.voice.zh"), stylePrimary, play(false)),
			a.maintButton("maint.voice.play:"+string(id)+":en", a.T("maint.voice.en"), stylePrimary, play(true))))
	}
	return container.NewVBox(rows...)
}
