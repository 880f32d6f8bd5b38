package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/xuri/excelize/v2"
)

// ChartPlacement is where a chart of a workbook sits: the sheet, and the
// cells its anchor spans, 1-based and inclusive.
type ChartPlacement struct {
	Sheet            string
	FromCol, FromRow int
	ToCol, ToRow     int
}

func (p ChartPlacement) String() string {
	from, _ := excelize.CoordinatesToCellName(p.FromCol, p.FromRow)
	to, _ := excelize.CoordinatesToCellName(p.ToCol, p.ToRow)
	return fmt.Sprintf("%s!%s:%s", p.Sheet, from, to)
}

// CheckCharts reads a workbook, mine's or one a spreadsheet program saved
// again, and returns its charts and the problems of their placement: a
// cell with text under a chart (a merged cell counts as a whole), or a
// text that does not wrap and runs from the left into a chart's cells.
// Excel and LibreOffice draw a chart between the cells of its anchor, so
// the anchor is where it covers the sheet.
//
// It returns an error when the workbook cannot be read or a chart is not
// anchored to cells.
func CheckCharts(book []byte) ([]ChartPlacement, []string, error) {
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	if err != nil {
		return nil, nil, fmt.Errorf("check charts: %w", err)
	}
	places, err := chartPlacements(zr)
	if err != nil {
		return nil, nil, fmt.Errorf("check charts: %w", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(book))
	if err != nil {
		return nil, nil, fmt.Errorf("check charts: %w", err)
	}
	defer f.Close()
	var problems []string
	for _, p := range places {
		ps, err := textUnder(f, p)
		if err != nil {
			return nil, nil, fmt.Errorf("check charts: %w", err)
		}
		problems = append(problems, ps...)
	}
	return places, problems, nil
}

// textUnder lists the text cells under chart p, and the texts that run
// into it from the left.
func textUnder(f *excelize.File, p ChartPlacement) ([]string, error) {
	var out []string
	rows, err := f.GetRows(p.Sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, err
	}
	merged, err := f.GetMergeCells(p.Sheet)
	if err != nil {
		return nil, err
	}
	inMerge := map[string]bool{}
	for _, m := range merged {
		c1, r1, err := excelize.CellNameToCoordinates(m.GetStartAxis())
		if err != nil {
			return nil, err
		}
		c2, r2, err := excelize.CellNameToCoordinates(m.GetEndAxis())
		if err != nil {
			return nil, err
		}
		for r := r1; r <= r2; r++ {
			for c := c1; c <= c2; c++ {
				ref, _ := excelize.CoordinatesToCellName(c, r)
				inMerge[ref] = true
			}
		}
		if m.GetCellValue() != "" && c1 <= p.ToCol && c2 >= p.FromCol && r1 <= p.ToRow && r2 >= p.FromRow {
			out = append(out, fmt.Sprintf("chart at %s covers merged cell %s:%s holding %q", p, m.GetStartAxis(), m.GetEndAxis(), abbrevText(m.GetCellValue())))
		}
	}
	for r := p.FromRow; r <= p.ToRow && r <= len(rows); r++ {
		row := rows[r-1]
		// Cells under the chart.
		for c := p.FromCol; c <= p.ToCol && c <= len(row); c++ {
			ref, _ := excelize.CoordinatesToCellName(c, r)
			if row[c-1] != "" && !inMerge[ref] {
				out = append(out, fmt.Sprintf("chart at %s covers %s holding %q", p, ref, abbrevText(row[c-1])))
			}
		}
		// Text to the left that overflows into the chart: wider than the
		// columns between it and the chart, not wrapped, not merged.
		for c := 1; c < p.FromCol && c <= len(row); c++ {
			ref, _ := excelize.CoordinatesToCellName(c, r)
			if row[c-1] == "" || inMerge[ref] {
				continue
			}
			if typ, _ := f.GetCellType(p.Sheet, ref); typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
				continue // numbers and dates show ### instead of spilling over
			}
			if wrapped(f, p.Sheet, ref) {
				continue
			}
			room := 0.0
			for k := c; k < p.FromCol; k++ {
				if k > c && k <= len(row) && row[k-1] != "" {
					room = -1 // a neighbour stops the overflow
					break
				}
				name, _ := excelize.ColumnNumberToName(k)
				w, err := f.GetColWidth(p.Sheet, name)
				if err != nil {
					return nil, err
				}
				room += w
			}
			if room >= 0 && float64(displayWidth(row[c-1])) > room {
				out = append(out, fmt.Sprintf("text of %s (%q) runs into the chart at %s", ref, abbrevText(row[c-1]), p))
			}
		}
	}
	return out, nil
}

func wrapped(f *excelize.File, sheet, ref string) bool {
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		return false
	}
	st, err := f.GetStyle(id)
	return err == nil && st.Alignment != nil && st.Alignment.WrapText
}

func abbrevText(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// chartPlacements finds every chart of the workbook in its sheets'
// drawings.
func chartPlacements(zr *zip.Reader) ([]ChartPlacement, error) {
	files := map[string]*zip.File{}
	for _, zf := range zr.File {
		files[zf.Name] = zf
	}
	read := func(name string, v any) error {
		zf := files[name]
		if zf == nil {
			return fmt.Errorf("no part %s", name)
		}
		rc, err := zf.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			return err
		}
		return xml.Unmarshal(b, v)
	}
	type rel struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	}
	type rels struct {
		Rel []rel `xml:"Relationship"`
	}
	relsOf := func(part string) (map[string]rel, error) {
		dir, base := path.Split(part)
		name := dir + "_rels/" + base + ".rels"
		out := map[string]rel{}
		if files[name] == nil {
			return out, nil
		}
		var rs rels
		if err := read(name, &rs); err != nil {
			return nil, err
		}
		for _, r := range rs.Rel {
			t := r.Target
			if strings.HasPrefix(t, "/") {
				t = strings.TrimPrefix(t, "/")
			} else {
				t = path.Clean(dir + t)
			}
			r.Target = t
			out[r.ID] = r
		}
		return out, nil
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := read("xl/workbook.xml", &wb); err != nil {
		return nil, err
	}
	wbRels, err := relsOf("xl/workbook.xml")
	if err != nil {
		return nil, err
	}
	type marker struct {
		Col int `xml:"col"`
		Off int `xml:"colOff"`
		Row int `xml:"row"`
		ROf int `xml:"rowOff"`
	}
	type anchor struct {
		From  *marker    `xml:"from"`
		To    *marker    `xml:"to"`
		Chart []struct{} `xml:"graphicFrame>graphic>graphicData>chart"`
	}
	var out []ChartPlacement
	for _, s := range wb.Sheets {
		sheetPart := wbRels[s.RID].Target
		srels, err := relsOf(sheetPart)
		if err != nil {
			return nil, err
		}
		for _, r := range srels {
			if !strings.HasSuffix(r.Type, "/drawing") {
				continue
			}
			var d struct {
				Two []anchor `xml:"twoCellAnchor"`
				One []anchor `xml:"oneCellAnchor"`
				Abs []anchor `xml:"absoluteAnchor"`
			}
			if err := read(r.Target, &d); err != nil {
				return nil, err
			}
			for _, a := range append(d.One, d.Abs...) {
				if len(a.Chart) > 0 {
					return nil, fmt.Errorf("a chart on %s is not anchored to two cells", s.Name)
				}
			}
			for _, a := range d.Two {
				if len(a.Chart) == 0 || a.From == nil || a.To == nil {
					continue
				}
				p := ChartPlacement{Sheet: s.Name, FromCol: a.From.Col + 1, FromRow: a.From.Row + 1, ToCol: a.To.Col + 1, ToRow: a.To.Row + 1}
				// An end at offset 0 touches its cell's edge, not the cell.
				if a.To.Off == 0 && p.ToCol > p.FromCol {
					p.ToCol--
				}
				if a.To.ROf == 0 && p.ToRow > p.FromRow {
					p.ToRow--
				}
				out = append(out, p)
			}
		}
	}
	return out, nil
}
