package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// StartingText is the one line the window shows while the terminal checks
// its database at start.
const StartingText = "正在启动，请稍候 Starting, please wait"

// StartingScreen sets the terminal's theme on fa and returns what the
// window shows while the system behind it opens (the database's integrity
// check takes most of a second with a year's submissions): the hall's
// background and one calm line in the bundled font. It has no title bar:
// the home screen's bar is how start-up measurements and smoke tests know
// the terminal is ready. New replaces it.
func StartingScreen(fa fyne.App) fyne.CanvasObject {
	th := NewTheme(false)
	fa.Settings().SetTheme(th)
	v := fa.Settings().ThemeVariant()
	bg := canvas.NewRectangle(th.Color(theme.ColorNameBackground, v))
	msg := canvas.NewText(StartingText, th.Color(theme.ColorNameForeground, v))
	msg.TextSize = th.Size(theme.SizeNameSubHeadingText)
	msg.TextStyle = plainStyle(msg.Text)
	return container.NewStack(bg, container.NewCenter(msg))
}
