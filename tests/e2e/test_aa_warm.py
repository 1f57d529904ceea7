import urllib.request
def test_warm(live_server):
    urllib.request.urlopen(live_server.url + "/login/", timeout=60).read()
