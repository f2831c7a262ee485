package escpos

// SafePoints returns the offsets in a job where a real-time command (DLE
// EOT, DLE ENQ) may be inserted without landing inside another command's
// parameters, image data or a multi-byte character: after each complete
// command of the subset this package emits, and after each LF. The final
// offset len(p) is included when the job parses to its end. Parsing stops
// at the first command it does not know; complete is false then, and no
// offset after that point is safe.
func SafePoints(p []byte) (points []int, complete bool) {
	i := 0
	chinese := false
	for i < len(p) {
		n := cmdLen(p[i:], chinese)
		if n <= 0 || i+n > len(p) {
			return points, false
		}
		switch {
		case p[i] == FS && p[i+1] == '&':
			chinese = true
		case p[i] == FS && p[i+1] == '.':
			chinese = false
		}
		i += n
		// Inside Chinese mode only a line end is a boundary: FS . ends it.
		if !chinese || p[i-1] == LF {
			points = append(points, i)
		}
	}
	return points, true
}

// cmdLen is the length of the command or text run at the start of p, 0 when
// unknown, or more than len(p) when truncated.
func cmdLen(p []byte, chinese bool) int {
	c := p[0]
	if c >= 0x20 || c == LF || c == '\r' || c == '\t' {
		if c != 0x7F && c >= 0x80 && chinese {
			if len(p) >= 2 && p[1] >= 0x30 && p[1] <= 0x39 {
				return 4
			}
			return 2
		}
		return 1
	}
	if len(p) < 2 {
		return 2
	}
	switch c {
	case ESC:
		switch p[1] {
		case '@', '2':
			return 2
		case 'a', 'E', 'G', 'd', 'J', '3', '!', '-', 't', 'R', 'M', ' ':
			return 3
		case '$':
			return 4
		}
	case GS:
		switch p[1] {
		case '!', 'r', 'a', 'B', 'H', 'f', 'h', 'w':
			return 3
		case 'L', 'W':
			return 4
		case 'V':
			if len(p) < 3 {
				return 3
			}
			if p[2] == 65 || p[2] == 66 {
				return 4
			}
			return 3
		case 'v':
			if len(p) < 8 {
				return 8
			}
			if p[2] != '0' {
				return 0
			}
			return 8 + int(u16(p[4], p[5]))*int(u16(p[6], p[7]))
		case '(':
			if len(p) < 5 {
				return 5
			}
			return 5 + int(u16(p[3], p[4]))
		}
	case FS:
		switch p[1] {
		case '&', '.':
			return 2
		case '!', 'W':
			return 3
		}
	case DLE:
		if p[1] == EOT || p[1] == ENQ {
			return 3
		}
	}
	return 0
}

func u16(lo, hi byte) uint16 { return uint16(lo) | uint16(hi)<<8 }
