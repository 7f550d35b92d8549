package fabric

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestLinkParamsValidate(t *testing.T) {
	cases := []struct {
		name string
		p    LinkParams
		want string // substring of the error; "" = valid
	}{
		{"zero", LinkParams{}, ""},
		{"full", LinkParams{Delay: time.Second, Jitter: time.Millisecond, Loss: 1, RateBps: 1e9, QueueLimit: time.Second, Reorder: true, Down: true}, ""},
		{"ge", LinkParams{GE: &GilbertElliott{P: 0.1, R: 0.5, GoodLoss: 0, BadLoss: 1}}, ""},
		{"negative delay", LinkParams{Delay: -1}, "delay"},
		{"huge delay", LinkParams{Delay: time.Hour}, "delay"},
		{"negative jitter", LinkParams{Jitter: -time.Millisecond}, "jitter"},
		{"negative queue", LinkParams{QueueLimit: -1}, "queue_limit"},
		{"loss above 1", LinkParams{Loss: 1.5}, "loss"},
		{"loss negative", LinkParams{Loss: -0.1}, "loss"},
		{"loss NaN", LinkParams{Loss: math.NaN()}, "loss"},
		{"loss and ge", LinkParams{Loss: 0.1, GE: &GilbertElliott{}}, "one loss model"},
		{"ge p", LinkParams{GE: &GilbertElliott{P: 2}}, "ge.p"},
		{"ge r", LinkParams{GE: &GilbertElliott{R: -1}}, "ge.r"},
		{"ge good", LinkParams{GE: &GilbertElliott{GoodLoss: 7}}, "ge.good_loss"},
		{"ge bad", LinkParams{GE: &GilbertElliott{BadLoss: math.Inf(1)}}, "ge.bad_loss"},
	}
	for _, c := range cases {
		err := c.p.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one naming %q", c.name, err, c.want)
		}
	}
}

func TestGilbertElliottMeanLoss(t *testing.T) {
	g := GilbertElliott{P: 0.05, R: 0.3, GoodLoss: 0.01, BadLoss: 0.8}
	want := (0.3*0.01 + 0.05*0.8) / 0.35
	if got := g.MeanLoss(); math.Abs(got-want) > 1e-12 {
		t.Fatalf("MeanLoss = %v, want %v", got, want)
	}
	if got := (GilbertElliott{GoodLoss: 0.2}).MeanLoss(); got != 0.2 {
		t.Fatalf("MeanLoss with P=R=0 = %v, want GoodLoss", got)
	}
}
