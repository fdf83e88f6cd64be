from flask import Flask
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine("sqlite:///admin.db")


@app.get("/count")
def count():
    with engine.connect() as connection:
        return {"count": connection.execute(text("SELECT count(*) FROM users")).scalar_one()}
