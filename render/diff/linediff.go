package diff

// maxLineDiffCells bounds the table lineDiff fills (lines × lines); above
// it the old text is shown removed and the new one added.
const maxLineDiffCells = 4_000_000

// lineDiff is a line diff by longest common subsequence: unchanged lines
// are marked ' ', removed '-', added '+', removals before additions at each
// change. For example a=[x y z], b=[x Y z] gives " x", "-y", "+Y", " z".
func lineDiff(a, b []string) []line {
	n, m := len(a), len(b)
	if n*m > maxLineDiffCells {
		out := make([]line, 0, n+m)
		for _, s := range a {
			out = append(out, line{'-', s})
		}
		for _, s := range b {
			out = append(out, line{'+', s})
		}
		return out
	}
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []line
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out = append(out, line{' ', a[i]})
			i++
			j++
		case j == m || i < n && lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, line{'-', a[i]})
			i++
		default:
			out = append(out, line{'+', b[j]})
			j++
		}
	}
	return out
}
