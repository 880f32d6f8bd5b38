package xapi

import (
	"context"
	"fmt"
)

// Move places the candidate configuration entry at xpath relative to a
// sibling (type=config, action=move): where is "before" or "after" with dst
// the sibling's name, or "top" or "bottom" with dst empty.
func (s *Session) Move(ctx context.Context, xpath, where, dst string) error {
	switch where {
	case "before", "after":
		if dst == "" {
			return fmt.Errorf("move %s %s: no entry named to move next to", xpath, where)
		}
	case "top", "bottom":
		dst = ""
	default:
		return fmt.Errorf("move %s: %q is not before, after, top or bottom", xpath, where)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := s.fw.Move(xpath, where, dst, nil, nil)
	_, err = answer(fmt.Sprintf("move %s %s %s", xpath, where, dst), b, err)
	return err
}
