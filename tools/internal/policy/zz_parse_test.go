package policy
import ("os";"testing";"time";"github.com/acme-platform/golden-path/tools/internal/tfplan")
func TestZZParse(t *testing.T){ b,_:=os.ReadFile("/tmp/splan-10000.json"); g:=defaultGate(t); p,err:=tfplan.ParseInput(b, InputKeys(nil)); if err!=nil{t.Fatal(err)}; for i:=0;i<3;i++{s:=time.Now(); fs,err:=g.evaluate(t.Context(),p.Input,1,128); t.Logf("serial eval %v err %v n %d", time.Since(s), err, len(fs))}}
