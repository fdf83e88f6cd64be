import os

from flask import Flask

app = Flask(__name__)
# ruleid: flask-debug-enabled
app.config["DEBUG"] = True
# ruleid: flask-debug-enabled
app.debug = True

if __name__ == "__main__":
    # ruleid: flask-debug-enabled
    app.run(host="0.0.0.0", debug=True)
    # ok: flask-debug-enabled
    app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
    # ok: flask-debug-enabled
    app.run(debug=False)
